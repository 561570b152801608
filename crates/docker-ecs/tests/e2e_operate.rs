//! End to end against the moto launcher: `secret` on Secrets Manager, `ls` on the deployed projects, and a
//! project whose template is too large to pass inline (it goes through the tool's S3 bucket).

use std::path::Path;

use crate::common::{Moto, Run, Spawned};
use serde_json::{json, Value};

fn json_of(run: &Run) -> Value {
    run.assert_success();
    serde_json::from_str(run.stdout().trim())
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", run.describe()))
}

fn secret_names(moto: &Moto, dir: &Path) -> Vec<String> {
    let listed = json_of(&moto.docker_ecs(dir, &["secret", "ls", "--format", "json"]));
    listed
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["Name"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn secret_create_ls_inspect_rm() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().expect("temporary directory");

    // create from standard input: the ARN is printed, the value stored as given.
    let run = moto.docker_ecs_stdin(
        dir.path(),
        &[
            "secret",
            "create",
            "db_password",
            "-",
            "--description",
            "database password",
            "--label",
            "team=core",
        ],
        "hunter2",
    );
    run.assert_success();
    let arn = run.stdout().trim().to_owned();
    assert!(
        arn.starts_with("arn:aws:secretsmanager:us-east-1:") && arn.contains(":secret:db_password"),
        "{}",
        run.describe()
    );
    let value = moto.aws_ok(
        "secretsmanager",
        "get_secret_value",
        json!({ "SecretId": arn }),
    );
    assert_eq!(value["SecretString"], "hunter2");

    // create from a file.
    std::fs::write(dir.path().join("api.key"), "k3y\n").expect("write the key file");
    moto.docker_ecs(dir.path(), &["secret", "create", "api_key", "api.key"])
        .assert_success();
    let value = moto.aws_ok(
        "secretsmanager",
        "get_secret_value",
        json!({ "SecretId": "api_key" }),
    );
    assert_eq!(
        value["SecretString"], "k3y\n",
        "the file's bytes, unchanged"
    );

    // registry credentials: the JSON ECS expects for repositoryCredentials.
    moto.docker_ecs_stdin(
        dir.path(),
        &[
            "secret",
            "create",
            "registry",
            "--username",
            "bob",
            "--password-stdin",
        ],
        "s3cret\n",
    )
    .assert_success();
    let value = moto.aws_ok(
        "secretsmanager",
        "get_secret_value",
        json!({ "SecretId": "registry" }),
    );
    let credentials: Value = serde_json::from_str(value["SecretString"].as_str().unwrap_or(""))
        .unwrap_or_else(|e| panic!("registry secret is not JSON ({e}): {value}"));
    assert_eq!(
        credentials,
        json!({ "username": "bob", "password": "s3cret" })
    );

    // ls: table and JSON.
    let mut names = secret_names(&moto, dir.path());
    names.sort();
    assert_eq!(names, ["api_key", "db_password", "registry"]);
    let run = moto.docker_ecs(dir.path(), &["secret", "ls"]);
    run.assert_success();
    let row = run
        .stdout()
        .lines()
        .find(|l| l.starts_with("db_password"))
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("no db_password row: {}", run.describe()));
    assert!(
        row.contains(&arn) && row.contains("database password"),
        "{row:?}"
    );
    assert!(row.contains("team=core"), "{row:?}");

    // inspect: details, never the value.
    let run = moto.docker_ecs(dir.path(), &["secret", "inspect", "db_password"]);
    run.assert_success();
    assert!(run.stdout().contains(&arn), "{}", run.describe());
    assert!(!run.all_output().contains("hunter2"), "{}", run.describe());

    // rm: gone from ls and from Secrets Manager.
    moto.docker_ecs(dir.path(), &["secret", "rm", "db_password"])
        .assert_success();
    let mut names = secret_names(&moto, dir.path());
    names.sort();
    assert_eq!(names, ["api_key", "registry"]);
    let gone = moto.aws(
        "secretsmanager",
        "describe_secret",
        json!({ "SecretId": "db_password" }),
    );
    assert!(gone.is_err(), "db_password still exists: {gone:?}");

    // inspect of a missing secret: an error naming it.
    let run = moto.docker_ecs(dir.path(), &["secret", "inspect", "db_password"]);
    run.assert_failure();
    assert!(run.stderr().contains("db_password"), "{}", run.describe());

    // As docker secret inspect/rm: a missing name is reported and does not stop the others.
    let run = moto.docker_ecs(dir.path(), &["secret", "inspect", "db_password", "api_key"]);
    run.assert_failure();
    assert!(
        run.stderr().contains("no such secret: db_password"),
        "{}",
        run.describe()
    );
    let shown: Value = serde_json::from_str(run.stdout().trim())
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", run.describe()));
    assert_eq!(shown[0]["Name"], "api_key", "{}", run.describe());
    let run = moto.docker_ecs(dir.path(), &["secret", "rm", "db_password", "api_key"]);
    run.assert_failure();
    assert!(
        run.stderr().contains("no such secret: db_password"),
        "{}",
        run.describe()
    );
    assert_eq!(run.stdout(), "api_key\n", "{}", run.describe());
    assert_eq!(secret_names(&moto, dir.path()), ["registry"]);
}

/// `--aws-profile NAME` uses that profile's credentials, as `aws --profile` does, also when access keys
/// are set in the environment (which the default chain reads first): what is meant for one account
/// never reaches the account of the environment's keys, and a profile that does not exist stops the
/// command before it does anything.
#[test]
fn aws_profile_wins_over_keys_in_the_environment() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().expect("temporary directory");
    moto.docker_ecs_stdin(dir.path(), &["secret", "create", "env-account", "-"], "v")
        .assert_success();
    // Keys of another account: moto maps an assumed role's keys to the role's account.
    let assumed = moto.aws_ok(
        "sts",
        "assume_role",
        json!({ "RoleArn": "arn:aws:iam::111111111111:role/deployer", "RoleSessionName": "e2e" }),
    );
    let aws_dir = moto.home().join(".aws");
    std::fs::create_dir_all(&aws_dir).expect("create ~/.aws");
    std::fs::write(
        aws_dir.join("credentials"),
        format!(
            "[other]\naws_access_key_id = {}\naws_secret_access_key = {}\naws_session_token = {}\n",
            crate::common::str_at(&assumed, "/Credentials/AccessKeyId"),
            crate::common::str_at(&assumed, "/Credentials/SecretAccessKey"),
            crate::common::str_at(&assumed, "/Credentials/SessionToken"),
        ),
    )
    .expect("write ~/.aws/credentials");

    let listed = json_of(&moto.docker_ecs(
        dir.path(),
        &["--aws-profile", "other", "secret", "ls", "--format", "json"],
    ));
    assert_eq!(listed, json!([]), "the environment's account was listed");

    let run = moto.docker_ecs(
        dir.path(),
        &["--aws-profile", "nosuch", "secret", "rm", "env-account"],
    );
    run.assert_failure();
    assert!(
        run.stderr()
            .contains("no AWS credentials from profile nosuch (--aws-profile)"),
        "{}",
        run.describe()
    );
    assert_eq!(secret_names(&moto, dir.path()), ["env-account"]);
}

fn write_project(dir: &Path, compose: &str) {
    std::fs::create_dir_all(dir).expect("create the project directory");
    std::fs::write(dir.join("compose.yaml"), compose).expect("write compose.yaml");
}

#[test]
fn ls_lists_deployed_projects_with_their_status() {
    let moto = Moto::start();
    let root = tempfile::tempdir().expect("temporary directory");
    for name in ["shop", "blog"] {
        let dir = root.path().join(name);
        write_project(&dir, "services:\n  app:\n    image: nginx:1.27\n");
        moto.docker_ecs(&dir, &["up"]).assert_success();
    }
    // A stack this tool did not create is not a project.
    moto.aws_ok(
        "cloudformation",
        "create_stack",
        json!({
            "StackName": "unrelated",
            "TemplateBody": json!({
                "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}
            }).to_string()
        }),
    );

    let listed = json_of(&moto.docker_ecs(root.path(), &["ls", "--format", "json"]));
    let mut projects: Vec<(String, String)> = listed
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| {
            Some((
                p["Name"].as_str()?.to_owned(),
                p["Status"].as_str()?.to_owned(),
            ))
        })
        .collect();
    projects.sort();
    assert_eq!(
        projects,
        [
            ("blog".to_owned(), "CREATE_COMPLETE".to_owned()),
            ("shop".to_owned(), "CREATE_COMPLETE".to_owned())
        ]
    );

    let run = moto.docker_ecs(root.path(), &["ls"]);
    run.assert_success();
    assert!(!run.stdout().contains("unrelated"), "{}", run.describe());
    for name in ["shop", "blog"] {
        assert!(
            run.stdout().lines().any(|l| l.starts_with(name)),
            "{}",
            run.describe()
        );
    }
}

/// Enough services that the template is over CloudFormation's 51,200-byte TemplateBody limit.
fn large_compose(services: usize) -> String {
    let mut text = String::from("services:\n");
    for i in 0..services {
        text.push_str(&format!(
            "  svc{i:02}:\n    image: nginx:1.27\n    environment:\n      INDEX: \"{i}\"\n      \
             DESCRIPTION: \"service number {i} of a project large enough to need S3\"\n"
        ));
    }
    text
}

#[test]
fn a_template_over_the_inline_limit_goes_through_s3() {
    let moto = Moto::start();
    let root = tempfile::tempdir().expect("temporary directory");
    let dir = root.path().join("bigapp");
    write_project(&dir, &large_compose(40));

    let template = moto.docker_ecs(&dir, &["convert", "--format", "json"]);
    template.assert_success();
    assert!(
        template.stdout().len() > 51_200,
        "the test project must exceed the inline limit; its template is {} bytes",
        template.stdout().len()
    );

    let run = moto.docker_ecs(&dir, &["up"]);
    run.assert_success();
    assert_eq!(
        moto.stack_status("bigapp").as_deref(),
        Some("CREATE_COMPLETE"),
        "{}",
        run.describe()
    );
    let buckets = moto.aws_ok("s3", "list_buckets", json!({}));
    let buckets: Vec<String> = buckets["Buckets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|b| b["Name"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(buckets.len(), 1, "one bucket of the tool's: {buckets:?}");
    let encryption = moto.aws(
        "s3",
        "get_bucket_encryption",
        json!({ "Bucket": buckets[0] }),
    );
    assert!(
        encryption.is_ok(),
        "the bucket is encrypted: {encryption:?}"
    );
    let public = moto.aws_ok(
        "s3",
        "get_public_access_block",
        json!({ "Bucket": buckets[0] }),
    );
    assert_eq!(
        public["PublicAccessBlockConfiguration"]["BlockPublicAcls"], true,
        "{public}"
    );

    let services = moto.stack_resources("bigapp", "AWS::ECS::Service");
    assert_eq!(services.len(), 40, "{services:?}");
    let clusters = moto.stack_resources("bigapp", "AWS::ECS::Cluster");
    let described = moto.aws_ok(
        "ecs",
        "describe_services",
        json!({ "cluster": clusters.first(), "services": &services[..10] }),
    );
    assert_eq!(
        described["services"].as_array().map(Vec::len),
        Some(10),
        "{described}"
    );

    moto.docker_ecs(&dir, &["down"]).assert_success();
    assert_eq!(moto.stack_status("bigapp"), None);
}

/// AWS is reached over HTTPS through rustls: the server's certificate is checked against the roots
/// the system trusts (here SSL_CERT_FILE), and one it does not trust stops the call.
#[test]
fn the_aws_api_is_reached_over_tls_with_a_checked_certificate() {
    let moto = Moto::start_tls();
    let root = tempfile::tempdir().expect("temporary directory");
    let dir = root.path().join("shop");
    write_project(&dir, "services:\n  app:\n    image: nginx:1.27\n");
    moto.docker_ecs(&dir, &["up"]).assert_success();
    let listed = moto.docker_ecs(&dir, &["ls"]);
    listed.assert_success();
    assert!(listed.stdout().contains("shop"), "{}", listed.describe());

    let mut untrusted = moto.docker_ecs_command(&dir, &["ls"]);
    untrusted.env_remove("SSL_CERT_FILE");
    let refused = Run::of("docker-ecs ls (certificate not trusted)", untrusted);
    assert_eq!(refused.code(), Some(1), "{}", refused.describe());
    assert!(
        refused.stderr().to_lowercase().contains("certificate"),
        "{}",
        refused.describe()
    );
}

/// `run -d`: one task of the service from its task definition, with the command and variables
/// overridden and the name as its `startedBy`; its id on stdout.
#[test]
fn run_detached_starts_one_task_of_the_service_with_overrides() {
    let moto = Moto::start();
    let root = tempfile::tempdir().expect("temporary directory");
    let dir = root.path().join("jobs");
    write_project(
        &dir,
        "services:\n  app:\n    image: nginx:1.27\n    environment:\n      MODE: web\n",
    );
    moto.docker_ecs(&dir, &["up"]).assert_success();

    let run = moto.docker_ecs(
        &dir,
        &[
            "run",
            "-d",
            "-e",
            "MODE=migrate",
            "--name",
            "migrate-1",
            "app",
            "sh",
            "-c",
            "echo migrated",
        ],
    );
    run.assert_success();
    let task_id = run.stdout().trim().to_string();
    assert!(
        !task_id.is_empty() && !task_id.contains(char::is_whitespace),
        "{}",
        run.describe()
    );
    let clusters = moto.aws_ok("ecs", "list_clusters", json!({}));
    let cluster = clusters["clusterArns"][0]
        .as_str()
        .expect("a cluster")
        .to_string();
    // The stack's cluster has Container Insights on (the default).
    let settings = moto.aws_ok(
        "ecs",
        "describe_clusters",
        json!({"clusters": [cluster], "include": ["SETTINGS"]}),
    );
    assert_eq!(
        settings["clusters"][0]["settings"],
        json!([{"name": "containerInsights", "value": "enabled"}]),
        "{settings}"
    );
    let described = moto.aws_ok(
        "ecs",
        "describe_tasks",
        json!({"cluster": cluster, "tasks": [task_id]}),
    );
    let task = &described["tasks"][0];
    assert_eq!(task["startedBy"], "migrate-1", "{described}");
    let overrides = &task["overrides"]["containerOverrides"][0];
    assert_eq!(overrides["name"], "app", "{described}");
    assert_eq!(overrides["command"], json!(["sh", "-c", "echo migrated"]));
    assert_eq!(
        overrides["environment"],
        json!([{"name": "MODE", "value": "migrate"}])
    );
    assert!(
        task["taskDefinitionArn"]
            .as_str()
            .is_some_and(|arn| arn.contains("task-definition/jobs-app")),
        "{described}"
    );

    // An unknown service is refused, naming the ones there are.
    let run = moto.docker_ecs(&dir, &["run", "-d", "nope"]);
    assert_eq!(run.code(), Some(1), "{}", run.describe());
    assert!(
        run.stderr().contains("no service \"nope\""),
        "{}",
        run.describe()
    );
}

/// A scheduled job (x-aws-schedule) is a schedule that runs its task definition, not an ECS
/// service; `down` removes the schedule with the stack.
#[test]
fn a_scheduled_job_is_a_schedule_not_a_service() {
    let moto = Moto::start();
    let root = tempfile::tempdir().expect("temporary directory");
    let dir = root.path().join("nightly");
    write_project(
        &dir,
        "services:\n  web:\n    image: nginx:1.27\n  report:\n    image: alpine:3.20\n    \
         command: [\"echo\", \"report\"]\n    x-aws-schedule: \"cron(0 3 * * ? *)\"\n",
    );
    moto.docker_ecs(&dir, &["up"]).assert_success();

    let services = moto.stack_resources("nightly", "AWS::ECS::Service");
    assert_eq!(
        services.len(),
        1,
        "only web is an ECS service: {services:?}"
    );
    let listed = moto.aws_ok("scheduler", "list_schedules", json!({}));
    let schedules = listed["Schedules"].as_array().expect("schedules");
    assert_eq!(schedules.len(), 1, "{listed}");
    let name = schedules[0]["Name"].as_str().expect("a name");
    let schedule = moto.aws_ok("scheduler", "get_schedule", json!({ "Name": name }));
    assert_eq!(
        schedule["ScheduleExpression"], "cron(0 3 * * ? *)",
        "{schedule}"
    );
    let ecs = &schedule["Target"]["EcsParameters"];
    assert!(
        ecs["TaskDefinitionArn"]
            .as_str()
            .is_some_and(|arn| arn.contains("task-definition/nightly-report")),
        "{schedule}"
    );
    assert_eq!(ecs["LaunchType"], "FARGATE", "{schedule}");
    assert!(
        schedule["Target"]["Arn"]
            .as_str()
            .is_some_and(|arn| arn.ends_with(":cluster/nightly")),
        "{schedule}"
    );

    // ps lists the job with its schedule; before any run, none is listed.
    let run = moto.docker_ecs(&dir, &["ps"]);
    run.assert_success();
    let job_row = |out: &str| {
        out.lines()
            .find(|l| l.starts_with("report "))
            .map(str::to_string)
            .unwrap_or_default()
    };
    let row = job_row(&run.stdout());
    assert!(
        row.contains("cron(0 3 * * ? *)")
            && row.contains("enabled")
            && row.contains("no run listed"),
        "{}",
        run.describe()
    );
    // A run as the schedule starts it (in its task group): ps shows it as the last run.
    // (The web service's network: the schedule's own is written with CloudFormation functions.)
    let web = moto.aws_ok(
        "ecs",
        "describe_services",
        json!({"cluster": "nightly", "services": [services[0]]}),
    );
    let network = web["services"][0]["networkConfiguration"].clone();
    let started = moto.aws_ok(
        "ecs",
        "run_task",
        json!({
            "cluster": "nightly",
            "taskDefinition": ecs["TaskDefinitionArn"],
            "group": "scheduled:report",
            "launchType": "FARGATE",
            "count": 1,
            "networkConfiguration": network
        }),
    );
    let task_id = started["tasks"][0]["taskArn"]
        .as_str()
        .and_then(|arn| arn.rsplit('/').next())
        .expect("a task")
        .to_string();
    let run = moto.docker_ecs(&dir, &["ps"]);
    run.assert_success();
    let row = job_row(&run.stdout());
    assert!(
        row.contains(&format!("(task {task_id}")),
        "{}",
        run.describe()
    );

    moto.docker_ecs(&dir, &["down"]).assert_success();
    let listed = moto.aws_ok("scheduler", "list_schedules", json!({}));
    assert_eq!(listed["Schedules"], json!([]), "{listed}");
}

/// The image of a service's running task definition.
fn running_image(moto: &Moto, cluster: &str, service: &str) -> String {
    let arn = moto
        .stack_resources(cluster, "AWS::ECS::Service")
        .into_iter()
        .find(|arn| arn.to_lowercase().contains(service))
        .unwrap_or_else(|| panic!("no ECS service for {service}"));
    let described = moto.aws_ok(
        "ecs",
        "describe_services",
        json!({"cluster": cluster, "services": [arn]}),
    );
    let definition = described["services"][0]["taskDefinition"]
        .as_str()
        .unwrap_or_else(|| panic!("{service} has a task definition: {described}"))
        .to_string();
    let described = moto.aws_ok(
        "ecs",
        "describe_task_definition",
        json!({ "taskDefinition": definition }),
    );
    described["taskDefinition"]["containerDefinitions"]
        .as_array()
        .and_then(|containers| containers.iter().find(|c| c["name"] == service))
        .and_then(|c| c["image"].as_str())
        .unwrap_or_else(|| panic!("{service}'s container: {described}"))
        .to_string()
}

/// A one-off job (restart: "no", waited for with service_completed_successfully) runs once per
/// `up`, before the service that waits for it gets its new version; when it fails, up fails with
/// its exit code and the service keeps running its previous version.
#[test]
fn up_runs_a_one_off_job_before_the_service_that_waits_for_it() {
    let moto = Moto::start();
    let root = tempfile::tempdir().expect("temporary directory");
    let dir = root.path().join("shop");
    let compose = |web_image: &str, migrate: &str| {
        format!(
            "services:\n  web:\n    image: {web_image}\n    depends_on:\n      migrate:\n        \
             condition: service_completed_successfully\n  migrate:\n    image: busybox:1.36\n    \
             command: [\"sh\", \"-c\", \"{migrate}\"]\n    restart: \"no\"\n"
        )
    };
    write_project(&dir, &compose("nginx:1.27", "echo migrated; exit 0"));
    let up = moto.docker_ecs(&dir, &["up"]);
    up.assert_success();
    let said = up.stderr();
    // First deployment: web is created only once the job has succeeded.
    let order: Vec<usize> = [
        "web is not created until the jobs have succeeded",
        "Job migrate: task",
        "Job migrate: exited with 0",
        "UPDATE_COMPLETE",
    ]
    .iter()
    .map(|text| {
        said.find(text)
            .unwrap_or_else(|| panic!("{text:?} missing: {}", up.describe()))
    })
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{}", up.describe());
    let services = moto.stack_resources("shop", "AWS::ECS::Service");
    assert_eq!(services.len(), 2, "{services:?}");
    let job_service = services
        .iter()
        .find(|arn| arn.contains("igrate"))
        .expect("the job's ECS service");
    let migrate = moto.aws_ok(
        "ecs",
        "describe_services",
        json!({"cluster": "shop", "services": [job_service]}),
    );
    assert_eq!(migrate["services"][0]["desiredCount"], 0, "{migrate}");
    let runs = moto.aws_ok(
        "ecs",
        "list_tasks",
        json!({"cluster": "shop", "startedBy": "docker-ecs-up", "desiredStatus": "STOPPED"}),
    );
    assert_eq!(
        runs["taskArns"].as_array().map(Vec::len),
        Some(1),
        "one run of the job: {runs}"
    );
    assert_eq!(running_image(&moto, "shop", "web"), "nginx:1.27");
    // ps lists the job with its last run, not as a service without tasks.
    let ps = moto.docker_ecs(&dir, &["ps"]);
    ps.assert_success();
    let out = ps.stdout();
    let job_row = out
        .lines()
        .skip_while(|l| !l.starts_with("JOB "))
        .find(|l| l.starts_with("migrate "))
        .unwrap_or_default()
        .to_string();
    assert!(
        job_row.contains("each up") && job_row.contains("exited (0)"),
        "{}",
        ps.describe()
    );
    assert!(
        !out.lines()
            .any(|l| l.starts_with("migrate ") && l.contains("no task")),
        "{}",
        ps.describe()
    );

    // A new web image and a failing job: up fails, web keeps the image it runs.
    write_project(&dir, &compose("nginx:1.28", "echo broken; exit 3"));
    let diff = moto.docker_ecs(&dir, &["diff"]);
    diff.assert_success();
    assert!(
        diff.stdout().contains(
            "Jobs: `docker ecs up` runs migrate once these changes are made, before web gets its new version"
        ),
        "{}",
        diff.describe()
    );
    let up = moto.docker_ecs(&dir, &["up"]);
    assert_eq!(up.code(), Some(1), "{}", up.describe());
    let said = up.stderr();
    for text in [
        "web keeps the running version until the jobs have succeeded",
        "job migrate exited with 3",
        "web still runs the previous version",
        "docker ecs logs migrate",
    ] {
        assert!(said.contains(text), "{text:?} missing: {}", up.describe());
    }
    assert_eq!(running_image(&moto, "shop", "web"), "nginx:1.27");
    assert_eq!(
        moto.stack_status("shop").as_deref(),
        Some("UPDATE_COMPLETE")
    );

    // Fixed: the job runs again, then web gets its new version. With -d, up waits for the job and
    // detaches from the last update only.
    write_project(&dir, &compose("nginx:1.28", "echo migrated again; exit 0"));
    let up = moto.docker_ecs(&dir, &["up", "-d"]);
    up.assert_success();
    let said = up.stderr();
    let job = said.find("Job migrate: exited with 0");
    let detached = said.find("Change set executing");
    assert!(
        job.is_some() && detached.is_some() && job < detached,
        "{}",
        up.describe()
    );
    assert_eq!(running_image(&moto, "shop", "web"), "nginx:1.28");

    // Nothing changed: no job runs.
    let up = moto.docker_ecs(&dir, &["up"]);
    up.assert_success();
    assert!(
        up.stderr().contains("no job ran") && !up.stderr().contains("Job migrate"),
        "{}",
        up.describe()
    );
}

/// Ctrl-C while a job runs stops its task; the service that waits for it keeps its version.
#[test]
fn ctrl_c_during_a_job_stops_it_and_leaves_the_waiting_service_alone() {
    let moto = Moto::start();
    let root = tempfile::tempdir().expect("temporary directory");
    let dir = root.path().join("shop");
    let compose = |web_image: &str| {
        format!(
            "services:\n  web:\n    image: {web_image}\n    depends_on:\n      migrate:\n        \
             condition: service_completed_successfully\n  migrate:\n    image: busybox:1.36\n    \
             restart: \"no\"\n"
        )
    };
    write_project(&dir, &compose("nginx:1.27"));
    moto.docker_ecs(&dir, &["up"]).assert_success();

    // The next job runs until it is stopped.
    moto.keep_tasks_running();
    write_project(&dir, &compose("nginx:1.28"));
    let mut up = Spawned::start_reading_stderr(moto.docker_ecs_command(&dir, &["up"]));
    let seen = up.wait_for("started", std::time::Duration::from_secs(120));
    let seen = seen.expect("the job started");
    let task_id = seen
        .last()
        .and_then(|line| line.split("task ").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the job's task id")
        .to_string();
    assert_eq!(
        up.interrupt(std::time::Duration::from_secs(60)),
        Some(130),
        "{seen:?}"
    );
    let said = up.wait_for("runs it alone)", std::time::Duration::from_secs(10));
    let said = said.expect("what the interrupt left").join("\n");
    assert!(
        said.contains("Interrupted: job migrate was stopped")
            && said.contains("web still runs the previous version"),
        "{said}"
    );
    let described = moto.aws_ok(
        "ecs",
        "describe_tasks",
        json!({"cluster": "shop", "tasks": [task_id]}),
    );
    let task = &described["tasks"][0];
    assert_eq!(task["desiredStatus"], "STOPPED", "{described}");
    assert_eq!(
        task["stoppedReason"], "Stopped by docker ecs (Ctrl-C)",
        "{described}"
    );
    assert_eq!(running_image(&moto, "shop", "web"), "nginx:1.27");
}
