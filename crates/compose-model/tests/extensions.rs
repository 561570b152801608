//! `x-*` fields where the Compose Specification and Docker's ECS documentation put them: the model
//! keeps each one at its own level (`Deploy.extensions`, `UpdateConfig.extensions`,
//! `Port.extensions`...) for the template builder, and `config` prints it back there, as
//! `docker compose config` does.

use compose_model::{load, LoadOptions, Project};
use serde_json::json;

const COMPOSE: &str = r#"
services:
  web:
    image: nginx
    x-aws-pull_credentials: arn:aws:secretsmanager:us-east-1:1:secret:x
    deploy:
      x-aws-autoscaling: {min: 1, max: 4, cpu: 70}
      update_config:
        parallelism: 1
        x-aws-min_percent: 50
        x-aws-max_percent: 200
      rollback_config: {parallelism: 1, x-rollback: true}
      restart_policy: {condition: any, x-restart: true}
      placement: {x-placement: true}
      resources:
        x-resources: true
        limits: {cpus: 1, x-limits: true}
    depends_on:
      db: {condition: service_started, x-dependency: true}
    logging: {driver: awslogs, x-logging: true}
    healthcheck:
      test: ["CMD", "true"]
      x-healthcheck: true
    ports:
      - target: 80
        published: "443"
        x-aws-protocol: http
    volumes:
      - type: volume
        source: data
        target: /data
        x-mount: true
        volume: {nocopy: true, x-volume-options: true}
      - type: tmpfs
        target: /tmp
        tmpfs: {size: 1000, x-tmpfs: true}
    secrets:
      - source: token
        x-aws-keys: ["*"]
    networks:
      front:
        aliases: [web]
        x-attachment: true
  db:
    image: postgres
networks:
  front:
    x-aws-network: true
volumes:
  data:
    x-aws-volume: true
secrets:
  token:
    name: arn:aws:secretsmanager:us-east-1:1:secret:token
    external: true
    x-aws-keys: [user]
x-aws-cluster: existing
"#;

fn project() -> Project {
    let dir = tempfile::tempdir().expect("temporary directory");
    std::fs::write(dir.path().join("compose.yaml"), COMPOSE).expect("write compose.yaml");
    let options = LoadOptions {
        project_name: Some("ext".into()),
        interpolate: true,
        working_dir: dir.path().to_path_buf(),
        ..Default::default()
    };
    load(&options).expect("the project loads").project
}

#[test]
fn the_model_keeps_each_x_key_at_its_level() {
    let project = project();
    let web = &project.services["web"];
    assert_eq!(project.extensions["x-aws-cluster"], "existing");
    assert!(web.extensions.contains_key("x-aws-pull_credentials"));
    let deploy = web.deploy.as_ref().expect("deploy");
    assert_eq!(deploy.extensions["x-aws-autoscaling"]["max"], 4);
    let update = deploy.update_config.as_ref().expect("update_config");
    assert_eq!(update.extensions["x-aws-min_percent"], 50);
    assert_eq!(update.extensions["x-aws-max_percent"], 200);
    let rollback = deploy.rollback_config.as_ref().expect("rollback_config");
    assert_eq!(rollback.extensions["x-rollback"], true);
    let restart = deploy.restart_policy.as_ref().expect("restart_policy");
    assert_eq!(restart.extensions["x-restart"], true);
    assert_eq!(deploy.placement.extensions["x-placement"], true);
    assert_eq!(deploy.resources.extensions["x-resources"], true);
    let limits = deploy.resources.limits.as_ref().expect("limits");
    assert_eq!(limits.extensions["x-limits"], true);
    assert_eq!(web.depends_on["db"].extensions["x-dependency"], true);
    let logging = web.logging.as_ref().expect("logging");
    assert_eq!(logging.extensions["x-logging"], true);
    let healthcheck = web.healthcheck.as_ref().expect("healthcheck");
    assert_eq!(healthcheck.extensions["x-healthcheck"], true);
    assert_eq!(web.ports[0].extensions["x-aws-protocol"], "http");
    let mount: Vec<_> = web.volumes[0].extensions().collect();
    assert_eq!(mount, [(&"x-mount".to_string(), &json!(true))]);
    let options = web.volumes[0].volume.as_ref().expect("volume options");
    assert_eq!(options.extensions["x-volume-options"], true);
    let tmpfs = web.volumes[1].tmpfs.as_ref().expect("tmpfs options");
    assert_eq!(tmpfs.extensions["x-tmpfs"], true);
    assert_eq!(web.secrets[0].extensions["x-aws-keys"], json!(["*"]));
    assert_eq!(web.networks["front"].extensions["x-attachment"], true);
    assert_eq!(project.networks["front"].extensions["x-aws-network"], true);
    assert_eq!(project.volumes["data"].extensions["x-aws-volume"], true);
    assert_eq!(
        project.secrets["token"].extensions["x-aws-keys"],
        json!(["user"])
    );
}

#[test]
fn config_prints_each_x_key_where_it_was_written() {
    let printed = serde_json::to_value(project()).expect("serialise");
    let web = &printed["services"]["web"];
    let expected = [
        (&printed["x-aws-cluster"], json!("existing")),
        (&web["deploy"]["x-aws-autoscaling"]["cpu"], json!(70)),
        (
            &web["deploy"]["update_config"]["x-aws-min_percent"],
            json!(50),
        ),
        (
            &web["deploy"]["update_config"]["x-aws-max_percent"],
            json!(200),
        ),
        (&web["deploy"]["rollback_config"]["x-rollback"], json!(true)),
        (&web["deploy"]["restart_policy"]["x-restart"], json!(true)),
        (&web["deploy"]["placement"]["x-placement"], json!(true)),
        (&web["deploy"]["resources"]["x-resources"], json!(true)),
        (
            &web["deploy"]["resources"]["limits"]["x-limits"],
            json!(true),
        ),
        (&web["depends_on"]["db"]["x-dependency"], json!(true)),
        (&web["logging"]["x-logging"], json!(true)),
        (&web["healthcheck"]["x-healthcheck"], json!(true)),
        (&web["ports"][0]["x-aws-protocol"], json!("http")),
        (&web["volumes"][0]["x-mount"], json!(true)),
        (
            &web["volumes"][0]["volume"]["x-volume-options"],
            json!(true),
        ),
        (&web["volumes"][1]["tmpfs"]["x-tmpfs"], json!(true)),
        (&web["secrets"][0]["x-aws-keys"], json!(["*"])),
        (&web["networks"]["front"]["x-attachment"], json!(true)),
        (&printed["networks"]["front"]["x-aws-network"], json!(true)),
        (&printed["volumes"]["data"]["x-aws-volume"], json!(true)),
        (&printed["secrets"]["token"]["x-aws-keys"], json!(["user"])),
    ];
    for (at, value) in expected {
        assert_eq!(at, &value, "in {printed:#}");
    }
}
