//! Secrets: each top-level secret with `file:` or `environment:` becomes an
//! `AWS::SecretsManager::Secret` whose value is a NoEcho template parameter that `up` fills from the
//! file or variable, so the content is never in the template or in `convert` output. External
//! secrets (`external: true`) are used by `name`: a Secrets Manager ARN or name, or the ARN of an SSM
//! Parameter Store parameter. `x-aws-kms_key` names the customer managed KMS key a secret is
//! encrypted with: ours are created with it, and the execution role may decrypt with it.
//!
//! Services read secrets as files, like Docker: an init container receives them through ECS
//! `Secrets` (valueFrom), writes /run/secrets/<target> into a task volume, and the main container
//! mounts that volume read-only. `x-aws-keys` selects JSON keys of the secret: one file per key under
//! /run/secrets/<target>/; `*` writes every top-level string value of a flat JSON object.

use compose_model::{Secret, Service};
use serde_json::{json, Value};

use crate::context::Ctx;
use crate::iam::ReadAccess;
use crate::logs;
use crate::naming::ecs_name;
use crate::parameters;
use crate::servicediscovery::INIT_IMAGE;
use crate::taskdef::TaskParts;
use crate::template::{join, r#ref, sub, Resource};
use crate::{Error, SecretValueSource};

const SECRETS_DIR: &str = "/run/secrets";
/// Task volume shared by the init container (writes) and the main container (reads). Compose names
/// start with a letter or digit, so this cannot collide with a named volume.
const SECRETS_VOLUME: &str = "_secrets";
/// The customer managed KMS key a secret (or SSM parameter) is encrypted with.
const KMS_KEY_ATTRIBUTE: &str = "x-aws-kms_key";

pub fn secret_id(ctx: &Ctx, secret: &str) -> String {
    format!("{}Secret", ctx.names.secret(secret))
}

fn value_parameter_id(ctx: &Ctx, secret: &str) -> String {
    format!("{}SecretValue", ctx.names.secret(secret))
}

fn err(service: Option<&str>, attribute: String, message: impl Into<String>) -> Error {
    Error {
        service: service.map(str::to_string),
        attribute,
        message: message.into(),
    }
}

/// Create the Secrets Manager secrets the services use.
pub fn add(ctx: &mut Ctx) -> Result<(), Error> {
    let project = ctx.project;
    let mut used: Vec<&String> = project
        .services
        .values()
        .flat_map(|s| s.secrets.iter().map(|r| &r.source))
        .collect();
    used.sort();
    used.dedup();
    for name in used {
        let Some(secret) = project.secrets.get(name) else {
            return Err(err(
                None,
                format!("secrets.{name}"),
                "used by a service but not defined at the top level",
            ));
        };
        if secret.external {
            continue;
        }
        let from = if let Some(file) = &secret.file {
            SecretValueSource::File(file.clone())
        } else if let Some(variable) = &secret.environment {
            SecretValueSource::Environment(variable.clone())
        } else {
            return Err(err(
                None,
                format!("secrets.{name}"),
                "needs `file:` or `environment:` (or `external: true` with `name:`)",
            ));
        };
        let key = kms_key(name, secret)?;
        let parameter = value_parameter_id(ctx, name);
        let value = parameters::secret_value(ctx, &parameter, name, from);
        let resource = Resource::new("AWS::SecretsManager::Secret")
            .prop(
                "Description",
                format!("Compose secret {name} of {}", ctx.project_name()),
            )
            .prop_opt("KmsKeyId", key)
            .prop("SecretString", value)
            .prop(
                "Tags",
                crate::template::tags(&[
                    (crate::context::PROJECT_TAG, ctx.project_name()),
                    ("com.docker.compose.secret", name),
                ]),
            );
        ctx.template.add(secret_id(ctx, name), resource);
    }
    Ok(())
}

/// The secret's ARN for ECS `valueFrom` and IAM: ours (`Ref` of a secret is its ARN), or the
/// external one's `name` (an ARN, or a name in this account and region).
fn secret_arn(ctx: &Ctx, name: &str, secret: &Secret) -> Value {
    if !secret.external {
        return r#ref(&secret_id(ctx, name));
    }
    let external = secret.name.clone().unwrap_or_else(|| name.to_string());
    if external.starts_with("arn:") {
        Value::String(external)
    } else {
        sub(&format!(
            "arn:${{AWS::Partition}}:secretsmanager:${{AWS::Region}}:${{AWS::AccountId}}:secret:{external}"
        ))
    }
}

/// Whether an external secret is an SSM Parameter Store parameter (`arn:aws:ssm:...:parameter/...`),
/// which the execution role reads with `ssm:GetParameters` rather than from Secrets Manager.
fn is_ssm_parameter(secret: &Secret) -> bool {
    secret.external
        && secret.name.as_deref().is_some_and(|arn| {
            let fields: Vec<&str> = arn.splitn(6, ':').collect();
            fields.len() == 6
                && fields[0] == "arn"
                && fields[2] == "ssm"
                && fields[5].starts_with("parameter/")
        })
}

/// `x-aws-kms_key`: the ARN of the customer managed KMS key the secret is encrypted with. A key ARN,
/// not an alias: IAM grants `kms:Decrypt` on keys.
fn kms_key(name: &str, secret: &Secret) -> Result<Option<String>, Error> {
    let Some(value) = secret.extensions.get(KMS_KEY_ATTRIBUTE) else {
        return Ok(None);
    };
    let arn = value.as_str().unwrap_or_default();
    let fields: Vec<&str> = arn.splitn(6, ':').collect();
    let valid = fields.len() == 6
        && fields[0] == "arn"
        && fields[2] == "kms"
        && fields[5]
            .strip_prefix("key/")
            .is_some_and(|id| !id.is_empty());
    if !valid {
        return Err(err(
            None,
            format!("secrets.{name}.{KMS_KEY_ATTRIBUTE}"),
            format!(
                "expected the ARN of a KMS key (arn:aws:kms:<region>:<account>:key/<key-id>), got {value}; an alias cannot be given kms:Decrypt"
            ),
        ));
    }
    Ok(Some(arn.to_string()))
}

/// What IAM must allow: an external secret named without its random suffix needs the wildcard.
fn iam_resource(ctx: &Ctx, name: &str, secret: &Secret) -> Value {
    let arn = secret_arn(ctx, name, secret);
    match (&arn, secret.external) {
        (Value::Object(_), true) => {
            let external = secret.name.clone().unwrap_or_else(|| name.to_string());
            sub(&format!(
                "arn:${{AWS::Partition}}:secretsmanager:${{AWS::Region}}:${{AWS::AccountId}}:secret:{external}-??????"
            ))
        }
        _ => arn,
    }
}

/// A path fragment safe to put in a shell script and under /run/secrets.
fn safe_path(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/'))
        && !text.split('/').any(|part| part == ".." || part == ".")
}

/// Which JSON keys to write: `None` for the whole secret, `Some(["*"])` for all keys.
fn keys(name: &str, secret: &Secret) -> Result<Option<Vec<String>>, Error> {
    let Some(value) = secret.extensions.get("x-aws-keys") else {
        return Ok(None);
    };
    let invalid = || {
        err(
            None,
            format!("secrets.{name}.x-aws-keys"),
            "expected a list of JSON key names (or \"*\" for all)",
        )
    };
    let list: Vec<String> = match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map(str::to_string).ok_or_else(invalid))
            .collect::<Result<_, _>>()?,
        _ => return Err(invalid()),
    };
    if list.iter().any(|k| k == "*") {
        return Ok(Some(vec!["*".into()]));
    }
    for key in &list {
        if !safe_path(key) || key.contains('/') {
            return Err(err(
                None,
                format!("secrets.{name}.x-aws-keys"),
                format!("{key:?} cannot be a file name (letters, digits, '.', '_', '-')"),
            ));
        }
    }
    Ok(Some(list))
}

/// awk program writing every top-level `"key": "string"` pair of a flat JSON object to dir/key.
const ALL_KEYS_AWK: &str = r#"BEGIN{RS="\001"} {s=$0; while (match(s, /"[^"]+"[ \t\r\n]*:[ \t\r\n]*"([^"\\]|\\.)*"/)) {p=substr(s, RSTART, RLENGTH); s=substr(s, RSTART+RLENGTH); k=p; sub(/^"/, "", k); sub(/"[ \t\r\n]*:.*$/, "", k); v=p; sub(/^"[^"]+"[ \t\r\n]*:[ \t\r\n]*"/, "", v); sub(/"$/, "", v); o=""; for (i=1; i<=length(v); i++) {c=substr(v, i, 1); if (c=="\\") {i++; c=substr(v, i, 1); if (c=="n") c="\n"; else if (c=="t") c="\t"; else if (c=="r") c="\r"} o=o c} if (k ~ /^[A-Za-z0-9_][A-Za-z0-9._-]*$/) {f=dir "/" k; printf "%s", o > f; close(f)}}}"#;

/// Add the init container, volume and mounts for the service's secrets. Returns what the execution
/// role must be able to read.
pub fn for_service(
    ctx: &mut Ctx,
    name: &str,
    service: &Service,
    parts: &mut TaskParts,
) -> Result<ReadAccess, Error> {
    let mut read = ReadAccess::default();
    if service.secrets.is_empty() {
        return Ok(read);
    }
    let project = ctx.project;
    let mut env = Vec::new();
    let mut script = vec!["set -e".to_string()];
    for (index, reference) in service.secrets.iter().enumerate() {
        let attribute = format!("secrets[{index}]");
        let Some(secret) = project.secrets.get(&reference.source) else {
            return Err(err(
                Some(name),
                attribute,
                format!(
                    "secret {:?} is not defined at the top level",
                    reference.source
                ),
            ));
        };
        let target = reference
            .target
            .strip_prefix(SECRETS_DIR)
            .map(|t| t.trim_start_matches('/'))
            .unwrap_or(&reference.target)
            .to_string();
        if reference.target.starts_with('/') && !reference.target.starts_with(SECRETS_DIR) {
            return Err(err(
                Some(name),
                format!("{attribute}.target"),
                format!(
                    "{:?}: secrets are files under {SECRETS_DIR} on ECS; use a relative target",
                    reference.target
                ),
            ));
        }
        if !safe_path(&target) {
            return Err(err(
                Some(name),
                format!("{attribute}.target"),
                format!("{target:?} is not a file name (letters, digits, '.', '_', '-', '/')"),
            ));
        }
        let arn = secret_arn(ctx, &reference.source, secret);
        let ssm = is_ssm_parameter(secret);
        if ssm {
            read.add_parameter(arn.clone());
        } else {
            read.add_secret(iam_resource(ctx, &reference.source, secret));
        }
        if let Some(key) = kms_key(&reference.source, secret)? {
            read.add_key(Value::String(key));
        }
        let path = format!("{SECRETS_DIR}/{target}");
        let mut written = Vec::new();
        let keys = keys(&reference.source, secret)?;
        if ssm && keys.is_some() {
            return Err(err(
                None,
                format!("secrets.{}.x-aws-keys", reference.source),
                "ECS picks JSON keys out of Secrets Manager secrets only, not out of an SSM parameter: remove x-aws-keys (the file gets the parameter's whole value), or keep the value in Secrets Manager",
            ));
        }
        match keys {
            None => {
                let var = format!("SECRET_{index}");
                env.push(json!({ "Name": var, "ValueFrom": arn }));
                script.push(format!("mkdir -p \"$(dirname '{path}')\""));
                script.push(format!("printf '%s' \"${var}\" > '{path}'"));
                written.push(path.clone());
            }
            Some(keys) if keys == ["*"] => {
                let var = format!("SECRET_{index}");
                env.push(json!({ "Name": var, "ValueFrom": arn }));
                script.push(format!("mkdir -p '{path}'"));
                script.push(format!(
                    "printf '%s' \"${var}\" | awk -v dir='{path}' '{ALL_KEYS_AWK}'"
                ));
                written.push(format!("{path}/*"));
            }
            Some(keys) => {
                script.push(format!("mkdir -p '{path}'"));
                for (key_index, key) in keys.iter().enumerate() {
                    let var = format!("SECRET_{index}_{key_index}");
                    // valueFrom `<arn>:<json-key>::` makes ECS extract the key.
                    let value_from =
                        join("", vec![arn.clone(), Value::String(format!(":{key}::"))]);
                    env.push(json!({ "Name": var, "ValueFrom": value_from }));
                    script.push(format!("printf '%s' \"${var}\" > '{path}/{key}'"));
                }
                written.push(format!("{path}/*"));
            }
        }
        for file in &written {
            // Unquoted so that a trailing /* expands.
            let file = file.replace('\'', "");
            if let Some(mode) = reference.mode {
                script.push(format!("chmod {mode:o} {file}"));
            }
            match (&reference.uid, &reference.gid) {
                (Some(uid), Some(gid)) => script.push(format!(
                    "chown {}:{} {file}",
                    numeric(uid, name, &attribute)?,
                    numeric(gid, name, &attribute)?
                )),
                (Some(uid), None) => {
                    script.push(format!("chown {} {file}", numeric(uid, name, &attribute)?))
                }
                (None, Some(gid)) => {
                    script.push(format!("chgrp {} {file}", numeric(gid, name, &attribute)?))
                }
                (None, None) => {}
            }
        }
    }
    let container = ecs_name(name);
    let init_name = format!("{container}_Secrets_InitContainer");
    parts.init_containers.push(json!({
        "Name": init_name,
        "Image": INIT_IMAGE,
        "Essential": false,
        "Command": ["sh", "-c", script.join("\n")],
        "Secrets": env,
        "MountPoints": [{ "SourceVolume": SECRETS_VOLUME, "ContainerPath": SECRETS_DIR, "ReadOnly": false }],
        "LogConfiguration": logs::log_configuration(ctx),
    }));
    parts
        .main_depends_on
        .push(json!({ "ContainerName": init_name, "Condition": "SUCCESS" }));
    parts.mount_points.push(json!({
        "SourceVolume": SECRETS_VOLUME,
        "ContainerPath": SECRETS_DIR,
        "ReadOnly": true
    }));
    parts.volumes.push(json!({ "Name": SECRETS_VOLUME }));
    Ok(read)
}

fn numeric(id: &str, service: &str, attribute: &str) -> Result<u32, Error> {
    id.parse().map_err(|_| {
        err(
            Some(service),
            attribute.to_string(),
            format!("uid/gid {id:?} must be a number"),
        )
    })
}

#[cfg(test)]
mod tests {
    use compose_model::{FileReference, Secret};
    use serde_json::json;

    use crate::test_support::{project, service, wordpress};
    use crate::{build, ParameterInput, ParameterSource, SecretValueSource};

    /// Run the init container's script with a POSIX sh and awk (busybox's are compatible), with
    /// /run/secrets moved to a temporary directory.
    #[test]
    fn the_init_script_writes_the_files() {
        let mut app = service("app");
        for (source, target) in [
            ("token", "token"),
            ("all", "all"),
            ("picked", "conf/picked"),
        ] {
            app.secrets.push(FileReference {
                source: source.into(),
                target: target.into(),
                mode: (source == "token").then_some(0o400),
                ..Default::default()
            });
        }
        let mut p = project(vec![("app", app)]);
        p.secrets.insert(
            "token".into(),
            Secret {
                environment: Some("TOKEN".into()),
                ..Default::default()
            },
        );
        for (name, keys) in [("all", json!("*")), ("picked", json!(["user"]))] {
            p.secrets.insert(
                name.into(),
                Secret {
                    external: true,
                    name: Some(format!("{name}-secret")),
                    extensions: [("x-aws-keys".to_string(), keys)].into(),
                    ..Default::default()
                },
            );
        }
        let built = crate::build(&p).unwrap();
        let init = &built.template["Resources"]["AppTaskDefinition"]["Properties"]
            ["ContainerDefinitions"][1];
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("run/secrets");
        let script = init["Command"][2]
            .as_str()
            .unwrap()
            .replace("/run/secrets", root.to_str().unwrap());
        let names: Vec<&str> = init["Secrets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["Name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["SECRET_0", "SECRET_1", "SECRET_2_0"]);
        let status = std::process::Command::new("sh")
            .args(["-c", &script])
            .env("SECRET_0", "s3cr3t\n")
            .env(
                "SECRET_1",
                r#"{"user": "admin", "pass": "p\"w\\n\nx", "n": 3, "../evil": "no"}"#,
            )
            .env("SECRET_2_0", "alice")
            .status()
            .unwrap();
        assert!(status.success());
        let read = |p: &str| std::fs::read_to_string(root.join(p)).unwrap();
        assert_eq!(read("token"), "s3cr3t\n");
        assert_eq!(read("all/user"), "admin");
        assert_eq!(read("all/pass"), "p\"w\\n\nx");
        assert!(
            !root.join("all/n").exists(),
            "only string values are written"
        );
        assert!(!dir.path().join("run/evil").exists());
        assert_eq!(read("conf/picked/user"), "alice");
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(root.join("token"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o400);
    }

    /// `app` reads secret `token` (external unless `file` is given), with these extensions.
    fn app_reading(name: Option<&str>, extensions: serde_json::Value) -> crate::Project {
        let mut app = service("app");
        app.secrets.push(FileReference {
            source: "token".into(),
            target: "token".into(),
            ..Default::default()
        });
        let mut p = project(vec![("app", app)]);
        p.secrets.insert(
            "token".into(),
            Secret {
                external: name.is_some(),
                name: name.map(str::to_string),
                file: name.is_none().then(|| "/project/token.txt".into()),
                extensions: serde_json::from_value(extensions).unwrap(),
                ..Default::default()
            },
        );
        p
    }

    fn execution_statements(built: &crate::Built) -> Vec<serde_json::Value> {
        built.template["Resources"]["AppTaskExecutionRole"]["Properties"]["Policies"][0]
            ["PolicyDocument"]["Statement"]
            .as_array()
            .unwrap()
            .clone()
    }

    #[test]
    fn an_ssm_parameter_is_read_with_ssm_get_parameters() {
        let arn = "arn:aws:ssm:eu-west-1:123456789012:parameter/shop/db-password";
        let built = build(&app_reading(Some(arn), json!({}))).unwrap();
        assert_eq!(
            execution_statements(&built),
            [json!({"Effect": "Allow", "Action": ["ssm:GetParameters"], "Resource": [arn]})]
        );
        let init = &built.template["Resources"]["AppTaskDefinition"]["Properties"]
            ["ContainerDefinitions"][1];
        assert_eq!(init["Secrets"][0]["ValueFrom"], arn);
    }

    #[test]
    fn json_keys_of_an_ssm_parameter_are_refused() {
        let arn = "arn:aws:ssm:eu-west-1:123456789012:parameter/shop/db";
        let err = build(&app_reading(Some(arn), json!({"x-aws-keys": ["user"]}))).unwrap_err();
        assert_eq!(err.attribute, "secrets.token.x-aws-keys");
        assert!(
            err.message.contains("Secrets Manager secrets only"),
            "{err}"
        );
    }

    #[test]
    fn a_customer_kms_key_may_decrypt() {
        let key = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        let parameter = "arn:aws:ssm:eu-west-1:123456789012:parameter/shop/db";
        let built = build(&app_reading(Some(parameter), json!({"x-aws-kms_key": key}))).unwrap();
        assert_eq!(
            execution_statements(&built),
            [
                json!({"Effect": "Allow", "Action": ["ssm:GetParameters"], "Resource": [parameter]}),
                json!({"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [key]}),
            ]
        );
        // A secret the stack creates is encrypted with the key.
        let built = build(&app_reading(None, json!({"x-aws-kms_key": key}))).unwrap();
        let secret = &built.template["Resources"]["TokenSecret"]["Properties"];
        assert_eq!(secret["KmsKeyId"], key);
        let statements = execution_statements(&built);
        assert_eq!(
            statements[0]["Action"],
            json!(["secretsmanager:GetSecretValue"])
        );
        assert_eq!(
            statements[1],
            json!({"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [key]})
        );
    }

    #[test]
    fn an_external_secret_named_without_its_arn_is_read_with_any_suffix() {
        // Secrets Manager appends 6 random characters to a secret's ARN: IAM must allow them.
        let built = build(&app_reading(Some("shop/db-password"), json!({}))).unwrap();
        assert_eq!(
            execution_statements(&built)[0]["Resource"],
            json!([{"Fn::Sub": "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:shop/db-password-??????"}])
        );
        let arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop/db-AbCdEf";
        let built = build(&app_reading(Some(arn), json!({}))).unwrap();
        assert_eq!(execution_statements(&built)[0]["Resource"], json!([arn]));
    }

    #[test]
    fn secret_targets_are_file_names_under_run_secrets() {
        let target = |target: &str| {
            let mut p = app_reading(Some("shop-token"), json!({}));
            p.services.get_mut("app").unwrap().secrets[0].target = target.into();
            build(&p)
        };
        let built = target("/run/secrets/db/token").unwrap();
        let init = &built.template["Resources"]["AppTaskDefinition"]["Properties"]
            ["ContainerDefinitions"][1];
        assert!(
            init["Command"][2]
                .as_str()
                .unwrap()
                .contains("> '/run/secrets/db/token'"),
            "{init}"
        );
        let err = target("/etc/token").unwrap_err();
        assert_eq!(err.attribute, "secrets[0].target");
        assert!(
            err.message.contains("secrets are files under /run/secrets"),
            "{err}"
        );
        for wrong in [
            "../etc/passwd",
            "db/./token",
            "a b",
            "token;reboot",
            "/run/secrets/",
        ] {
            let err = target(wrong).unwrap_err();
            assert_eq!(err.attribute, "secrets[0].target", "{wrong}");
            assert!(err.message.contains("is not a file name"), "{wrong}: {err}");
        }
    }

    #[test]
    fn json_keys_are_plain_file_names() {
        build(&app_reading(
            Some("shop-token"),
            json!({"x-aws-keys": ["user", "db.pass"]}),
        ))
        .unwrap();
        for wrong in ["conf/user", "..", "a b"] {
            let err = build(&app_reading(
                Some("shop-token"),
                json!({"x-aws-keys": [wrong]}),
            ))
            .unwrap_err();
            assert_eq!(err.attribute, "secrets.token.x-aws-keys", "{wrong}");
            assert!(
                err.message.contains("cannot be a file name"),
                "{wrong}: {err}"
            );
        }
    }

    #[test]
    fn a_kms_key_must_be_a_key_arn() {
        for wrong in [
            json!("alias/shop"),
            json!("arn:aws:kms:eu-west-1:123456789012:alias/shop"),
            json!(true),
        ] {
            let err = build(&app_reading(
                Some("shop-token"),
                json!({"x-aws-kms_key": wrong}),
            ))
            .unwrap_err();
            assert_eq!(err.attribute, "secrets.token.x-aws-kms_key", "{err}");
        }
    }

    #[test]
    fn secret_content_never_appears_and_is_a_noecho_parameter() {
        let built = build(&wordpress()).unwrap();
        let param = &built.template["Parameters"]["DbPasswordSecretValue"];
        assert_eq!(param["NoEcho"], true);
        assert!(built.parameters.contains(&ParameterInput {
            name: "DbPasswordSecretValue".into(),
            source: ParameterSource::SecretValue {
                secret: "db_password".into(),
                from: SecretValueSource::File("/project/db_password.txt".into()),
            },
        }));
        let secret = &built.template["Resources"]["DbPasswordSecret"]["Properties"];
        assert_eq!(
            secret["SecretString"],
            json!({"Ref": "DbPasswordSecretValue"})
        );
        let td = &built.template["Resources"]["DbTaskDefinition"]["Properties"];
        let init = &td["ContainerDefinitions"][1];
        assert_eq!(init["Name"], "db_Secrets_InitContainer");
        assert_eq!(
            init["Secrets"][0]["ValueFrom"],
            json!({"Ref": "DbPasswordSecret"})
        );
        let script = init["Command"][2].as_str().unwrap();
        assert!(script.contains("> '/run/secrets/db_password'"), "{script}");
        assert!(
            script.contains("chmod 400 /run/secrets/db_password"),
            "{script}"
        );
        assert!(script.contains("chown 999:999"), "{script}");
        let main = &td["ContainerDefinitions"][2];
        assert_eq!(
            main["MountPoints"][0],
            json!({"SourceVolume": "_secrets", "ContainerPath": "/run/secrets", "ReadOnly": true})
        );
        let role = &built.template["Resources"]["DbTaskExecutionRole"]["Properties"];
        assert_eq!(
            role["Policies"][0]["PolicyDocument"]["Statement"][0]["Resource"],
            json!([{"Ref": "DbPasswordSecret"}])
        );
    }
}
