//! A real SIGINT becomes an interruption the deploy logic handles, instead of killing the process.
//! Alone in its own test binary: the signal goes to the whole process.

#[cfg(unix)]
#[tokio::test]
async fn sigint_is_reported_each_time_and_does_not_kill_the_process() {
    use std::time::Duration;

    let mut interrupts = ecs_deploy::Interrupts::ctrl_c();
    for _ in 0..2 {
        let status = std::process::Command::new("kill")
            .args(["-INT", &std::process::id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success());
        tokio::time::timeout(Duration::from_secs(10), interrupts.next())
            .await
            .expect("the SIGINT was reported");
    }
}
