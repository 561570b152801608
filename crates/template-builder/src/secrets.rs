//! Secrets: each top-level secret with `file:` or `environment:` becomes an
//! `AWS::SecretsManager::Secret` whose value is a NoEcho template parameter that `up` fills from the
//! file or variable, so the content is never in the template or in `convert` output. External
//! secrets (`external: true`) are used by `name` (ARN or name).
//!
//! Services read secrets as files, like Docker: an init container receives them through ECS
//! `Secrets` (valueFrom), writes /run/secrets/<target> into a task volume, and the main container
//! mounts that volume read-only. `x-aws-keys` selects JSON keys of the secret: one file per key under
//! /run/secrets/<target>/; `*` writes every top-level string value of a flat JSON object.

use compose_model::{Secret, Service};
use serde_json::{json, Value};

use crate::context::Ctx;
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
        let parameter = value_parameter_id(ctx, name);
        let value = parameters::secret_value(ctx, &parameter, name, from);
        let resource = Resource::new("AWS::SecretsManager::Secret")
            .prop(
                "Description",
                format!("Compose secret {name} of {}", ctx.project_name()),
            )
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

/// Add the init container, volume and mounts for the service's secrets. Returns the ARNs the
/// execution role must be able to read.
pub fn for_service(
    ctx: &mut Ctx,
    name: &str,
    service: &Service,
    parts: &mut TaskParts,
) -> Result<Vec<Value>, Error> {
    if service.secrets.is_empty() {
        return Ok(Vec::new());
    }
    let project = ctx.project;
    let mut env = Vec::new();
    let mut script = vec!["set -e".to_string()];
    let mut readable = Vec::new();
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
        readable.push(iam_resource(ctx, &reference.source, secret));
        let path = format!("{SECRETS_DIR}/{target}");
        let mut written = Vec::new();
        match keys(&reference.source, secret)? {
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
        "LogConfiguration": logs::log_configuration(ctx, None),
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
    let mut unique: Vec<Value> = Vec::new();
    for arn in readable {
        if !unique.contains(&arn) {
            unique.push(arn);
        }
    }
    Ok(unique)
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
