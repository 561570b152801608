//! Volumes: each named volume is an encrypted EFS file system that outlives the stack (`down`
//! never loses data), with a mount target in each task subnet and an access point carrying the
//! `driver_opts` ownership. `up` after `down` passes the retained file system's id in the
//! `<Volume>FileSystemId` parameter, and the template then creates no new one. `external: true` +
//! `name: fs-...` mounts an existing file system.
//!
//! Subnets come as a List parameter, whose length CloudFormation cannot iterate over: mount targets
//! are declared for the first [`parameters::MAX_SUBNETS`] positions, each under a condition that the
//! position exists (one subnet per availability zone, as EFS requires).

use std::collections::BTreeMap;

use compose_model::{Service, ServiceVolume, Volume, VolumeType};
use serde_json::{json, Value};

use crate::context::{Ctx, PROJECT_TAG};
use crate::naming::ecs_name;
use crate::parameters::{self, MAX_SUBNETS};
use crate::template::{get_att, if_, r#ref, tags, Resource};
use crate::{attributes, networks, Error, Precondition};

const NFS_PORT: u16 = 2049;

const ACCESS_POINT_OPTIONS: &[&str] = &["uid", "gid", "root_directory", "permissions"];
const FILE_SYSTEM_OPTIONS: &[&str] = &[
    "performance_mode",
    "throughput_mode",
    "provisioned_throughput",
    "lifecycle_policy",
    "backup_policy",
    "kms_key_id",
];

/// The file system options EFS would refuse at deploy time, each refused now with the values it
/// takes: CloudFormation checks them only when it creates the file system, half-way through `up`.
fn file_system_option_problems(name: &str, opts: &BTreeMap<String, String>) -> Vec<Error> {
    const CHOICES: &[(&str, &[&str])] = &[
        ("performance_mode", &["generalPurpose", "maxIO"]),
        ("throughput_mode", &["bursting", "provisioned", "elastic"]),
        (
            "lifecycle_policy",
            &[
                "AFTER_1_DAY",
                "AFTER_7_DAYS",
                "AFTER_14_DAYS",
                "AFTER_30_DAYS",
                "AFTER_60_DAYS",
                "AFTER_90_DAYS",
                "AFTER_180_DAYS",
                "AFTER_270_DAYS",
                "AFTER_365_DAYS",
            ],
        ),
        ("backup_policy", &["ENABLED", "DISABLED"]),
    ];
    let at = |key: &str| format!("volumes.{name}.driver_opts.{key}");
    let mut problems = Vec::new();
    for (key, choices) in CHOICES {
        if let Some(value) = opts.get(*key) {
            if !choices.contains(&value.as_str()) {
                problems.push(err(
                    at(key),
                    format!("{value:?}: expected one of {}", choices.join(", ")),
                ));
            }
        }
    }
    let throughput_mode = opts.get("throughput_mode").map(String::as_str);
    match opts.get("provisioned_throughput") {
        Some(mibps) => match mibps.parse::<f64>() {
            Ok(n) if n > 0.0 && n.is_finite() => {
                if throughput_mode != Some("provisioned") {
                    problems.push(err(
                        at("provisioned_throughput"),
                        "needs throughput_mode: provisioned",
                    ));
                }
            }
            _ => problems.push(err(
                at("provisioned_throughput"),
                format!("{mibps:?} is not a positive number of MiB/s"),
            )),
        },
        None if throughput_mode == Some("provisioned") => problems.push(err(
            at("throughput_mode"),
            "provisioned needs provisioned_throughput (MiB/s)",
        )),
        None => {}
    }
    if throughput_mode == Some("elastic")
        && opts.get("performance_mode").map(String::as_str) == Some("maxIO")
    {
        problems.push(err(
            at("throughput_mode"),
            "elastic throughput needs performance_mode: generalPurpose, not maxIO",
        ));
    }
    problems
}

fn ids(ctx: &Ctx, volume: &str) -> (String, String, String, String, String) {
    let base = ctx.names.volume(volume);
    (
        format!("{base}FileSystem"),
        format!("{base}FileSystemId"),
        format!("{base}CreateFileSystem"),
        format!("{base}AccessPoint"),
        format!("{base}MountTargets"),
    )
}

fn err(attribute: String, message: impl Into<String>) -> Error {
    Error {
        service: None,
        attribute,
        message: message.into(),
    }
}

/// The file system id of a volume: external, retained (parameter) or created.
fn file_system_id(ctx: &Ctx, name: &str, volume: &Volume) -> Value {
    if volume.external {
        return Value::String(volume.name.clone().unwrap_or_else(|| name.to_string()));
    }
    let (fs, parameter, condition, _, _) = ids(ctx, name);
    if_(&condition, r#ref(&fs), r#ref(&parameter))
}

fn file_system_arn(ctx: &Ctx, name: &str, volume: &Volume) -> Value {
    json!({
        "Fn::Sub": [
            "arn:${AWS::Partition}:elasticfilesystem:${AWS::Region}:${AWS::AccountId}:file-system/${FileSystemId}",
            { "FileSystemId": file_system_id(ctx, name, volume) }
        ]
    })
}

/// Services that mount each volume, in name order.
fn users(ctx: &Ctx) -> BTreeMap<String, Vec<String>> {
    let mut users: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (service, definition) in &ctx.project.services {
        for mount in &definition.volumes {
            if let (VolumeType::Volume, Some(source)) = (mount.kind, &mount.source) {
                let list = users.entry(source.clone()).or_default();
                if !list.contains(service) {
                    list.push(service.clone());
                }
            }
        }
    }
    users
}

pub fn add(ctx: &mut Ctx) -> Result<(), Error> {
    let project = ctx.project;
    for (name, services) in users(ctx) {
        let Some(volume) = project.volumes.get(&name) else {
            return Err(Error {
                service: services.first().cloned(),
                attribute: "volumes".into(),
                message: format!("volume {name:?} is not defined at the top level"),
            });
        };
        for key in volume.driver_opts.keys() {
            if !ACCESS_POINT_OPTIONS.contains(&key.as_str())
                && !FILE_SYSTEM_OPTIONS.contains(&key.as_str())
            {
                ctx.warn(
                    "volume.driver_opts.other",
                    None,
                    &format!("volumes.{name}.driver_opts.{key}"),
                );
            }
        }
        let problems = file_system_option_problems(&name, &volume.driver_opts);
        if let Some(first) = problems.first().cloned() {
            for problem in problems {
                ctx.refuse(problem);
            }
            return Err(first);
        }
        if volume.external {
            for key in volume.driver_opts.keys() {
                if FILE_SYSTEM_OPTIONS.contains(&key.as_str()) {
                    ctx.warn_value(
                        None,
                        &format!("volumes.{name}.driver_opts.{key}"),
                        "ignored: an external file system keeps its own settings".into(),
                    );
                }
            }
            let id = volume.name.clone().unwrap_or_else(|| name.clone());
            if !id.starts_with("fs-") {
                return Err(err(
                    format!("volumes.{name}.name"),
                    format!("an external volume must name an EFS file system (fs-...), not {id:?}"),
                ));
            }
            ctx.add_precondition(Precondition::FileSystemExists { id });
        } else {
            add_file_system(ctx, &name, volume, &services)?;
        }
        add_access_point(ctx, &name, volume)?;
    }
    Ok(())
}

fn add_file_system(
    ctx: &mut Ctx,
    name: &str,
    volume: &Volume,
    services: &[String],
) -> Result<(), Error> {
    let (fs, parameter, condition, _, ready) = ids(ctx, name);
    let retained = parameters::retained_file_system(ctx, &parameter, name);
    ctx.template
        .add_condition(&condition, json!({ "Fn::Equals": [retained, ""] }));
    let opts = &volume.driver_opts;
    let option = |key: &str| opts.get(key).cloned();
    let mut file_system = Resource::new("AWS::EFS::FileSystem")
        .condition(condition.clone())
        .retain()
        .prop("Encrypted", true)
        // The customer managed key to encrypt with (AWS's own key for EFS without it).
        .prop_opt("KmsKeyId", option("kms_key_id"))
        .prop_opt("PerformanceMode", option("performance_mode"))
        .prop_opt("ThroughputMode", option("throughput_mode"));
    if let Some(throughput) = option("provisioned_throughput") {
        let mibps: f64 = throughput.parse().map_err(|_| {
            err(
                format!("volumes.{name}.driver_opts.provisioned_throughput"),
                format!("{throughput:?} is not a number of MiB/s"),
            )
        })?;
        file_system = file_system.prop("ProvisionedThroughputInMibps", mibps);
    }
    if let Some(policy) = option("lifecycle_policy") {
        file_system = file_system.prop("LifecyclePolicies", json!([{ "TransitionToIA": policy }]));
    }
    if let Some(policy) = option("backup_policy") {
        file_system = file_system.prop("BackupPolicy", json!({ "Status": policy }));
    }
    // `up` finds a retained file system by these tags.
    file_system = file_system.prop(
        "FileSystemTags",
        tags(&[
            ("Name", &format!("{}_{name}", ctx.project_name())),
            (PROJECT_TAG, ctx.project_name()),
            ("com.docker.compose.volume", name),
        ]),
    );
    ctx.template.add(fs.clone(), file_system);

    let group_id = format!("{}NFSSecurityGroup", ctx.names.volume(name));
    let ingress: Vec<Value> = services
        .iter()
        .map(|service| {
            json!({
                "IpProtocol": "tcp",
                "FromPort": NFS_PORT,
                "ToPort": NFS_PORT,
                "SourceSecurityGroupId": r#ref(&networks::service_group_id(ctx, service)),
                "Description": format!("NFS from service {service}")
            })
        })
        .collect();
    let vpc = parameters::vpc_id(ctx);
    let group = Resource::new("AWS::EC2::SecurityGroup")
        .prop(
            "GroupDescription",
            format!(
                "{} volume {name}: NFS from its services",
                ctx.project_name()
            ),
        )
        .prop("VpcId", vpc)
        .prop("SecurityGroupIngress", Value::Array(ingress))
        .prop(
            "Tags",
            tags(&[
                (PROJECT_TAG, ctx.project_name()),
                ("com.docker.compose.volume", name),
            ]),
        );
    ctx.template.add(group_id.clone(), group);

    let file_system_id = file_system_id(ctx, name, volume);
    let mut targets = Vec::new();
    for index in 0..MAX_SUBNETS {
        let id = format!("{}MountTarget{index}", ctx.names.volume(name));
        let subnet = parameters::private_subnet_at(ctx, index);
        let mut target = Resource::new("AWS::EFS::MountTarget")
            .prop("FileSystemId", file_system_id.clone())
            .prop("SubnetId", subnet)
            .prop("SecurityGroups", json!([r#ref(&group_id)]));
        if index == 0 {
            targets.push(r#ref(&id));
        } else {
            let has_subnet = parameters::has_private_subnet(ctx, index);
            target = target.condition(has_subnet.clone());
            targets.push(if_(&has_subnet, r#ref(&id), Value::String(String::new())));
        }
        ctx.template.add(id, target);
    }
    // Services wait on this handle, which references every mount target that exists: DependsOn
    // cannot name a resource whose condition may be false.
    let handle = Resource::new("AWS::CloudFormation::WaitConditionHandle")
        .metadata(json!({ "MountTargets": targets }));
    ctx.template.add(ready, handle);
    Ok(())
}

fn add_access_point(ctx: &mut Ctx, name: &str, volume: &Volume) -> Result<(), Error> {
    let (_, _, _, access_point, _) = ids(ctx, name);
    let opts = &volume.driver_opts;
    let number = |key: &str| -> Result<Option<String>, Error> {
        match opts.get(key) {
            None => Ok(None),
            Some(v) if v.parse::<u32>().is_ok() => Ok(Some(v.clone())),
            Some(v) => Err(err(
                format!("volumes.{name}.driver_opts.{key}"),
                format!("{v:?} is not a numeric id"),
            )),
        }
    };
    let uid = number("uid")?;
    let gid = number("gid")?;
    let mut resource = Resource::new("AWS::EFS::AccessPoint")
        .prop("FileSystemId", file_system_id(ctx, name, volume));
    if let (Some(uid), Some(gid)) = (&uid, &gid) {
        resource = resource.prop("PosixUser", json!({ "Uid": uid, "Gid": gid }));
    } else if uid.is_some() || gid.is_some() {
        return Err(err(
            format!("volumes.{name}.driver_opts"),
            "uid and gid go together: set both",
        ));
    }
    let path = opts
        .get("root_directory")
        .cloned()
        .unwrap_or_else(|| "/".to_string());
    if !path.starts_with('/') {
        return Err(err(
            format!("volumes.{name}.driver_opts.root_directory"),
            format!("{path:?} must be an absolute path"),
        ));
    }
    let mut root = serde_json::Map::new();
    root.insert("Path".into(), path.clone().into());
    // EFS creates a missing root directory only with CreationInfo; without an owner, root owns it.
    if path != "/" {
        let uid = uid.clone().unwrap_or_else(|| "0".to_string());
        let gid = gid.clone().unwrap_or_else(|| "0".to_string());
        let permissions = opts
            .get("permissions")
            .cloned()
            .unwrap_or_else(|| "0755".to_string());
        root.insert(
            "CreationInfo".into(),
            json!({ "OwnerUid": uid, "OwnerGid": gid, "Permissions": permissions }),
        );
    }
    resource = resource.prop("RootDirectory", Value::Object(root)).prop(
        "AccessPointTags",
        tags(&[
            (PROJECT_TAG, ctx.project_name()),
            ("com.docker.compose.volume", name),
        ]),
    );
    ctx.template.add(access_point, resource);
    Ok(())
}

/// What mounting volumes adds to a service besides its task definition.
#[derive(Debug, Default)]
pub struct VolumeUse {
    /// Task role statements allowing the mounts through their access points.
    pub statements: Vec<Value>,
    /// Resources the ECS service must wait for (mount targets).
    pub depends_on: Vec<String>,
}

/// An anonymous volume (`/app/node_modules`): storage of the task's own (Fargate's ephemeral
/// storage), filled from the image at that path as Docker fills a new volume, gone with the task.
fn task_storage(parts: &mut crate::taskdef::TaskParts, mount: &ServiceVolume, index: usize) {
    let volume = format!("anonymous-{index}");
    parts.volumes.push(json!({ "Name": volume }));
    parts.mount_points.push(json!({
        "SourceVolume": volume,
        "ContainerPath": mount.target,
        "ReadOnly": mount.read_only
    }));
}

pub fn for_service(
    ctx: &mut Ctx,
    name: &str,
    service: &Service,
    parts: &mut crate::taskdef::TaskParts,
) -> Result<VolumeUse, Error> {
    let project = ctx.project;
    let mut result = VolumeUse::default();
    // volume -> writable by any of its mounts
    let mut mounted: BTreeMap<String, bool> = BTreeMap::new();
    for (index, mount) in service.volumes.iter().enumerate() {
        let shown = format!("volumes[{index}]");
        // What the mount is, in errors: the index alone does not say which line of a long list.
        let refused = |path: &str| {
            let mut error = attributes::error(path, Some(name), &shown);
            let from = mount.source.as_deref().unwrap_or_default();
            error.message = format!("{from}:{}: {}", mount.target, error.message);
            error
        };
        let source = match (mount.kind, &mount.source) {
            (VolumeType::Volume, Some(source)) => source,
            (VolumeType::Volume, None) => {
                task_storage(parts, mount, index);
                continue;
            }
            // Baked into the service's image (mounts.rs).
            (VolumeType::Bind, _) => continue,
            (VolumeType::Tmpfs, _) => return Err(refused("service.volumes.tmpfs")),
            _ => {
                return Err(attributes::error(
                    "service.volumes.other",
                    Some(name),
                    &shown,
                ))
            }
        };
        if mount.volume.as_ref().is_some_and(|v| v.subpath.is_some()) {
            return Err(attributes::error(
                "service.volumes.subpath",
                Some(name),
                &format!("{shown}.volume.subpath"),
            ));
        }
        if !project.volumes.contains_key(source) {
            return Err(Error {
                service: Some(name.to_string()),
                attribute: shown,
                message: format!("volume {source:?} is not defined at the top level"),
            });
        }
        parts.mount_points.push(json!({
            "SourceVolume": ecs_name(source),
            "ContainerPath": mount.target,
            "ReadOnly": mount.read_only
        }));
        let writable = mounted.entry(source.clone()).or_insert(false);
        *writable |= !mount.read_only;
    }
    for (source, writable) in mounted {
        let Some(volume) = project.volumes.get(&source) else {
            continue;
        };
        let (_, _, _, access_point, ready) = ids(ctx, &source);
        parts.volumes.push(json!({
            "Name": ecs_name(&source),
            "EFSVolumeConfiguration": {
                "FilesystemId": file_system_id(ctx, &source, volume),
                "TransitEncryption": "ENABLED",
                "AuthorizationConfig": { "AccessPointId": r#ref(&access_point), "IAM": "ENABLED" }
            }
        }));
        let mut actions = vec!["elasticfilesystem:ClientMount"];
        if writable {
            actions.push("elasticfilesystem:ClientWrite");
        }
        result.statements.push(json!({
            "Effect": "Allow",
            "Action": actions,
            "Resource": file_system_arn(ctx, &source, volume),
            "Condition": {
                "StringEquals": { "elasticfilesystem:AccessPointArn": get_att(&access_point, "Arn") }
            }
        }));
        if !volume.external {
            result.depends_on.push(ready);
        }
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use compose_model::{ServiceVolume, Volume, VolumeType};
    use serde_json::json;

    use crate::test_support::{kinds, main_container, named_volume, project, service, wordpress};
    use crate::{build, ParameterInput, ParameterSource, Precondition};

    #[test]
    fn file_system_options_efs_would_refuse_are_refused_before_deploying() {
        let opts = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let problems = super::file_system_option_problems(
            "data",
            &opts(&[
                ("performance_mode", "fast"),
                ("throughput_mode", "turbo"),
                ("lifecycle_policy", "AFTER_3_DAYS"),
                ("backup_policy", "MAYBE"),
                ("provisioned_throughput", "-5"),
            ]),
        );
        let attributes: Vec<&str> = problems.iter().map(|e| e.attribute.as_str()).collect();
        assert_eq!(
            attributes,
            [
                "volumes.data.driver_opts.performance_mode",
                "volumes.data.driver_opts.throughput_mode",
                "volumes.data.driver_opts.lifecycle_policy",
                "volumes.data.driver_opts.backup_policy",
                "volumes.data.driver_opts.provisioned_throughput",
            ]
        );
        assert!(
            problems[2].message.contains("AFTER_7_DAYS"),
            "{}",
            problems[2]
        );
        // Valid, and consistent with each other.
        assert!(super::file_system_option_problems(
            "data",
            &opts(&[
                ("performance_mode", "generalPurpose"),
                ("throughput_mode", "provisioned"),
                ("provisioned_throughput", "128"),
                ("lifecycle_policy", "AFTER_30_DAYS"),
                ("backup_policy", "ENABLED"),
            ]),
        )
        .is_empty());
        for (pairs, attribute) in [
            (
                &[("provisioned_throughput", "64")][..],
                "provisioned_throughput",
            ),
            (&[("throughput_mode", "provisioned")][..], "throughput_mode"),
            (
                &[
                    ("throughput_mode", "elastic"),
                    ("performance_mode", "maxIO"),
                ][..],
                "throughput_mode",
            ),
        ] {
            let problems = super::file_system_option_problems("data", &opts(pairs));
            assert_eq!(problems.len(), 1, "{pairs:?}: {problems:?}");
            assert_eq!(
                problems[0].attribute,
                format!("volumes.data.driver_opts.{attribute}")
            );
        }
        // Through the build: refused, and every problem reported.
        let mut p = wordpress();
        p.volumes.get_mut("db_data").unwrap().driver_opts =
            opts(&[("performance_mode", "fast"), ("backup_policy", "MAYBE")]);
        let crate::Errors(errors) = crate::build_all(&p).unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
    }

    #[test]
    fn a_provisioned_throughput_must_be_a_positive_finite_number() {
        for bad in ["0", "-5", "inf", "NaN", "fast"] {
            let opts: BTreeMap<String, String> = [
                ("throughput_mode", "provisioned"),
                ("provisioned_throughput", bad),
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
            let problems = super::file_system_option_problems("data", &opts);
            assert_eq!(problems.len(), 1, "{bad}: {problems:?}");
            assert!(
                problems[0]
                    .message
                    .contains("is not a positive number of MiB/s"),
                "{bad}: {}",
                problems[0]
            );
        }
    }

    #[test]
    fn an_access_point_user_needs_a_numeric_uid_and_gid_together() {
        let with = |pairs: &[(&str, &str)]| {
            let mut p = wordpress();
            let opts = &mut p.volumes.get_mut("db_data").unwrap().driver_opts;
            opts.retain(|k, _| k != "uid" && k != "gid");
            for (k, v) in pairs {
                opts.insert(k.to_string(), v.to_string());
            }
            build(&p)
        };
        let built = with(&[("uid", "1000"), ("gid", "1001")]).unwrap();
        let access_point = built.template["Resources"]
            .as_object()
            .unwrap()
            .values()
            .find(|r| r["Type"] == "AWS::EFS::AccessPoint")
            .unwrap();
        assert_eq!(
            access_point["Properties"]["PosixUser"],
            json!({"Uid": "1000", "Gid": "1001"})
        );
        for (pairs, message) in [
            (&[("uid", "1000")][..], "uid and gid go together: set both"),
            (&[("gid", "1001")][..], "uid and gid go together: set both"),
            (
                &[("uid", "www"), ("gid", "1001")][..],
                "\"www\" is not a numeric id",
            ),
        ] {
            let err = with(pairs).unwrap_err();
            assert!(err.message.contains(message), "{pairs:?}: {err}");
        }
    }

    #[test]
    fn a_tmpfs_mount_is_refused_as_tmpfs() {
        let mut app = service("app");
        app.volumes.push(ServiceVolume {
            kind: VolumeType::Tmpfs,
            source: None,
            ..named_volume("x", "/scratch", false)
        });
        let err = build(&project(vec![("app", app)])).unwrap_err();
        assert!(
            err.message.contains("tmpfs mounts are not supported"),
            "{err}"
        );
    }

    #[test]
    fn bind_mounts_from_outside_the_project_are_an_error() {
        let mut s = service("app");
        s.volumes.push(ServiceVolume {
            kind: VolumeType::Bind,
            source: Some("/data".into()),
            target: "/data".into(),
            read_only: false,
            volume: None,
            tmpfs: None,
            other: Default::default(),
        });
        let mut p = project(vec![("app", s)]);
        p.working_dir = "/src/app".into();
        let err = build(&p).unwrap_err();
        assert_eq!(err.attribute, "volumes[0]");
        assert!(
            err.message.contains("outside the project directory"),
            "{err}"
        );
    }

    #[test]
    fn an_anonymous_volume_is_storage_of_the_task() {
        let mut s = service("node:22");
        s.volumes.push(ServiceVolume {
            kind: VolumeType::Volume,
            source: None,
            target: "/app/node_modules".into(),
            read_only: false,
            volume: None,
            tmpfs: None,
            other: Default::default(),
        });
        let built = build(&project(vec![("app", s)])).unwrap();
        let td = &built.template["Resources"]["AppTaskDefinition"]["Properties"];
        assert_eq!(td["Volumes"], json!([{"Name": "anonymous-0"}]));
        assert_eq!(
            main_container(&built, "app")["MountPoints"],
            json!([{"SourceVolume": "anonymous-0", "ContainerPath": "/app/node_modules", "ReadOnly": false}])
        );
        // No file system: nothing outlives the task.
        assert!(!kinds(&built)
            .values()
            .any(|kind| kind.starts_with("AWS::EFS::")));
    }

    #[test]
    fn volumes_are_retained_efs_with_reuse_parameter() {
        let built = build(&wordpress()).unwrap();
        let r = &built.template["Resources"];
        let fs = &r["DbDataFileSystem"];
        assert_eq!(fs["DeletionPolicy"], "Retain");
        assert_eq!(fs["Condition"], "DbDataCreateFileSystem");
        assert_eq!(fs["Properties"]["Encrypted"], true);
        assert!(built.parameters.contains(&ParameterInput {
            name: "DbDataFileSystemId".into(),
            source: ParameterSource::RetainedFileSystem {
                volume: "db_data".into()
            },
        }));
        let ap = &r["DbDataAccessPoint"]["Properties"];
        assert_eq!(ap["PosixUser"], json!({"Uid": "999", "Gid": "999"}));
        assert_eq!(ap["RootDirectory"]["CreationInfo"]["Permissions"], "0750");
        assert_eq!(r["DbDataMountTarget1"]["Condition"], "HasPrivateSubnet1");
        let nfs = &r["DbDataNFSSecurityGroup"]["Properties"]["SecurityGroupIngress"];
        assert_eq!(
            nfs[0]["SourceSecurityGroupId"],
            json!({"Ref": "DbSecurityGroup"})
        );
        let role = &r["DbTaskRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"][0];
        assert_eq!(
            role["Condition"]["StringEquals"]["elasticfilesystem:AccessPointArn"],
            json!({"Fn::GetAtt": ["DbDataAccessPoint", "Arn"]})
        );
        assert!(r["DbService"]["DependsOn"]
            .as_array()
            .unwrap()
            .contains(&json!("DbDataMountTargets")));
        // depends_on with a condition is kept as ordering, with a warning.
        assert!(built
            .warnings
            .iter()
            .any(|w| w.attribute == "depends_on.db.condition"));
    }

    #[test]
    fn a_kms_key_encrypts_the_file_system() {
        let key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        let mut p = wordpress();
        p.volumes
            .get_mut("db_data")
            .unwrap()
            .driver_opts
            .insert("kms_key_id".into(), key.into());
        let built = build(&p).unwrap();
        let fs = &built.template["Resources"]["DbDataFileSystem"]["Properties"];
        assert_eq!(fs["Encrypted"], true);
        assert_eq!(fs["KmsKeyId"], key);
        assert!(
            !built.warnings.iter().any(|w| w.attribute.contains("kms")),
            "{:?}",
            built.warnings
        );
    }

    #[test]
    fn external_volume_mounts_an_existing_file_system() {
        let mut p = wordpress();
        p.volumes.insert(
            "db_data".into(),
            Volume {
                external: true,
                name: Some("fs-0abc".into()),
                ..Default::default()
            },
        );
        let built = build(&p).unwrap();
        let kinds = kinds(&built);
        assert!(!kinds.contains_key("DbDataFileSystem"));
        assert!(!kinds.contains_key("DbDataMountTarget0"));
        assert_eq!(
            built.template["Resources"]["DbDataAccessPoint"]["Properties"]["FileSystemId"],
            "fs-0abc"
        );
        assert!(built
            .preconditions
            .contains(&Precondition::FileSystemExists {
                id: "fs-0abc".into()
            }));
        assert!(!built
            .parameters
            .iter()
            .any(|p| matches!(p.source, ParameterSource::RetainedFileSystem { .. })));
    }

    #[test]
    fn the_host_time_zone_files_are_left_out_with_a_warning() {
        let mut git = service("gitea");
        for file in ["/etc/localtime", "/etc/timezone"] {
            git.volumes.push(ServiceVolume {
                kind: VolumeType::Bind,
                source: Some(file.into()),
                target: file.into(),
                read_only: true,
                volume: None,
                tmpfs: None,
                other: BTreeMap::new(),
            });
        }
        let built = build(&project(vec![("git", git)])).unwrap();
        let td = &built.template["Resources"]["GitTaskDefinition"]["Properties"];
        assert!(td.get("Volumes").is_none());
        assert!(td["ContainerDefinitions"][1].get("MountPoints").is_none());
        let warned: Vec<&str> = built
            .warnings
            .iter()
            .map(|w| w.attribute.as_str())
            .collect();
        assert_eq!(warned, ["volumes[0]", "volumes[1]"]);
        assert!(built.warnings[0].message.contains("TZ"));
    }
}
