//! End to end against the local AWS API (moto through e2e/moto_launcher.py): `diff` / `up --dry-run`
//! on a new project, on a deployed one without and with changes, never changing the stack; then
//! `up --force-new-deployment` on the unchanged stack starts a new deployment of every service and
//! waits until each has rolled out; `restart web` does the same for web alone; `scale` is refused.

use crate::common::Moto;
use serde_json::json;

const PROJECT: &str = "preview";

const COMPOSE: &str = "services:\n  web:\n    image: nginx:1.27\n    ports:\n      - \"80:80\"\n  redis:\n    image: redis:7-alpine\n";

/// Change sets of the stack that were never executed: a dry run must leave none.
fn pending_change_sets(moto: &Moto) -> Vec<String> {
    let listed = moto
        .aws(
            "cloudformation",
            "list_change_sets",
            json!({ "StackName": PROJECT }),
        )
        .unwrap_or_default();
    listed["Summaries"]
        .as_array()
        .map(|all| {
            all.iter()
                .filter(|s| s["ExecutionStatus"] != "EXECUTE_COMPLETE")
                .filter_map(|s| s["ChangeSetName"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn diff_changes_nothing_and_force_new_deployment_rolls_out() {
    // Services with a running task: their new deployments complete, which `up` waits for.
    let moto = Moto::start_with_running_services();
    let tmp = tempfile::tempdir().expect("temporary directory");
    let dir = tmp.path().join(PROJECT);
    std::fs::create_dir_all(&dir).expect("project directory");
    std::fs::write(dir.join("compose.yaml"), COMPOSE).expect("compose.yaml");

    // A new project: everything would be added, and no stack is left behind.
    let run = moto.docker_ecs(&dir, &["diff"]);
    run.assert_success();
    let out = run.stdout();
    assert!(
        out.contains("New stack preview would be created"),
        "{}",
        run.describe()
    );
    for logical_id in ["Cluster", "WebService", "RedisService", "WebTCP80Listener"] {
        assert!(
            out.lines()
                .any(|l| l.starts_with("add ") && l.contains(logical_id)),
            "{logical_id} not added:\n{out}"
        );
    }
    assert_eq!(moto.stack_status(PROJECT), None, "the dry run left a stack");
    // For CI: --exit-code says whether up would change anything.
    let run = moto.docker_ecs(&dir, &["diff", "--exit-code"]);
    assert_eq!(run.code(), Some(1), "{}", run.describe());
    assert!(run.stdout().contains("New stack preview would be created"));

    moto.docker_ecs(&dir, &["up"]).assert_success();
    let status = moto.stack_status(PROJECT);
    moto.docker_ecs(&dir, &["diff", "--exit-code"])
        .assert_success();

    // Deployed and unchanged.
    let run = moto.docker_ecs(&dir, &["up", "--dry-run"]);
    run.assert_success();
    assert!(
        run.stdout().starts_with("No changes: stack preview"),
        "{}",
        run.describe()
    );

    // A changed published port: a listener is added and the old one removed, nothing is applied.
    std::fs::write(
        dir.join("compose.override.yaml"),
        "services:\n  web:\n    ports: !override\n      - \"8080:80\"\n",
    )
    .expect("override");
    let run = moto.docker_ecs(&dir, &["diff", "--exit-code"]);
    assert_eq!(run.code(), Some(1), "{}", run.describe());
    let out = run.stdout();
    assert!(
        out.contains("Existing stack preview would be updated"),
        "{}",
        run.describe()
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("add ") && l.contains("WebTCP8080Listener")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("remove ") && l.contains("WebTCP80Listener")),
        "{out}"
    );
    assert_eq!(
        moto.stack_status(PROJECT),
        status,
        "the dry run changed the stack"
    );
    assert_eq!(
        moto.stack_resources(PROJECT, "AWS::ElasticLoadBalancingV2::Listener")
            .len(),
        1
    );
    assert_eq!(pending_change_sets(&moto), Vec::<String>::new());

    // A new image and a new variable: the diff says what changes inside the task definition.
    std::fs::write(
        dir.join("compose.override.yaml"),
        "services:\n  web:\n    image: nginx:1.28\n    environment:\n      LOG_LEVEL: debug\n",
    )
    .expect("override");
    let run = moto.docker_ecs(&dir, &["diff"]);
    run.assert_success();
    let out = run.stdout();
    let inside = out
        .split_once("Inside the changed resources:\n")
        .map(|(_, rest)| rest)
        .unwrap_or_else(|| panic!("no property changes:\n{}", run.describe()));
    assert!(
        inside.contains("web task definition (WebTaskDefinition)"),
        "{out}"
    );
    assert!(
        inside
            .lines()
            .any(|l| l.contains("ContainerDefinitions[web].Image:")
                && l.contains("nginx:1.27 ->")
                && l.ends_with("nginx:1.28")),
        "{out}"
    );
    assert!(
        inside
            .lines()
            .any(|l| l.trim() == "ContainerDefinitions[web].Environment[LOG_LEVEL]: added debug"),
        "{out}"
    );
    assert_eq!(moto.stack_status(PROJECT), status);

    // Back to the deployed file: no template change, but a new deployment of each service.
    std::fs::remove_file(dir.join("compose.override.yaml")).expect("remove the override");
    let run = moto.docker_ecs(&dir, &["up", "--force-new-deployment"]);
    run.assert_success();
    let err = run.stderr();
    for service in ["web", "redis"] {
        assert!(
            err.contains(&format!("Forced a new deployment of service {service}"))
                && err.contains(&format!("Service {service} rolled out (ecs-svc/")),
            "{}",
            run.describe()
        );
    }

    // restart: a new deployment of the named service only, waited for.
    let run = moto.docker_ecs(&dir, &["restart", "web"]);
    run.assert_success();
    let err = run.stderr();
    assert!(
        err.contains("Forced a new deployment of service web")
            && err.contains("Service web rolled out")
            && !err.contains("service redis"),
        "{}",
        run.describe()
    );
    // scale has no drift-free mapping: refused with what to do instead.
    let run = moto.docker_ecs(&dir, &["scale", "web=3"]);
    run.assert_failure();
    assert!(
        run.stderr().contains("docker ecs scale is not supported")
            && run.stderr().contains("deploy.replicas"),
        "{}",
        run.describe()
    );
}

/// A secret file's new content: the diff lists the secret as modified (same template, another NoEcho
/// parameter value) and says running tasks keep the old value; `up` stores the new one.
#[test]
fn a_changed_secret_file_is_a_modified_secret() {
    let moto = Moto::start();
    let tmp = tempfile::tempdir().expect("temporary directory");
    let dir = tmp.path().join("secrets-app");
    std::fs::create_dir_all(&dir).expect("create the project directory");
    std::fs::write(
        dir.join("compose.yaml"),
        "services:\n  api:\n    image: nginx:1.27\n    secrets: [db_password]\n\
         secrets:\n  db_password:\n    file: ./db_password.txt\n",
    )
    .expect("write compose.yaml");
    std::fs::write(dir.join("db_password.txt"), "old").expect("write the secret");
    moto.docker_ecs(&dir, &["up"]).assert_success();

    std::fs::write(dir.join("db_password.txt"), "new").expect("write the secret");
    let run = moto.docker_ecs(&dir, &["diff"]);
    run.assert_success();
    let out = run.stdout();
    let secret_row = out
        .lines()
        .find(|l| l.contains("AWS::SecretsManager::Secret"))
        .unwrap_or_else(|| panic!("no secret row: {}", run.describe()));
    assert!(secret_row.starts_with("modify "), "{}", run.describe());
    assert!(
        out.contains("running tasks read secrets when they start"),
        "{}",
        run.describe()
    );

    moto.docker_ecs(&dir, &["up"]).assert_success();
    let arn = moto.stack_resources("secrets-app", "AWS::SecretsManager::Secret");
    let value = moto.aws_ok(
        "secretsmanager",
        "get_secret_value",
        json!({ "SecretId": arn.first().expect("the stack's secret") }),
    );
    assert_eq!(value["SecretString"], "new", "{value}");

    // Deployed: nothing differs any more.
    let run = moto.docker_ecs(&dir, &["diff"]);
    run.assert_success();
    assert!(run.stdout().starts_with("No changes"), "{}", run.describe());
}
