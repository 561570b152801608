//! The live view as a person sees it: recorded event sequences drawn by the real terminal driver
//! into a fixed-size virtual terminal, whose screen the tests read.

use std::io::{self, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{ProgressDrawTarget, TermLike};

use super::LiveView;
use crate::lifecycle::progress::{Progress, ProgressEvent, TerminalProgress};

/// A terminal of fixed size that keeps only what is on screen (no scrollback).
#[derive(Clone)]
struct VirtualTerminal {
    parser: Arc<Mutex<vt100::Parser>>,
    width: u16,
    height: u16,
}

impl std::fmt::Debug for VirtualTerminal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "VirtualTerminal({}x{})", self.width, self.height)
    }
}

impl VirtualTerminal {
    fn feed(&self, bytes: &str) {
        self.parser.lock().unwrap().process(bytes.as_bytes());
    }
}

impl TermLike for VirtualTerminal {
    fn width(&self) -> u16 {
        self.width
    }
    fn height(&self) -> u16 {
        self.height
    }
    fn move_cursor_up(&self, n: usize) -> io::Result<()> {
        if n > 0 {
            self.feed(&format!("\x1b[{n}A"));
        }
        Ok(())
    }
    fn move_cursor_down(&self, n: usize) -> io::Result<()> {
        if n > 0 {
            self.feed(&format!("\x1b[{n}B"));
        }
        Ok(())
    }
    fn move_cursor_right(&self, n: usize) -> io::Result<()> {
        if n > 0 {
            self.feed(&format!("\x1b[{n}C"));
        }
        Ok(())
    }
    fn move_cursor_left(&self, n: usize) -> io::Result<()> {
        if n > 0 {
            self.feed(&format!("\x1b[{n}D"));
        }
        Ok(())
    }
    fn write_line(&self, s: &str) -> io::Result<()> {
        // A terminal's line discipline turns "\n" into "\r\n".
        self.feed(&format!("{}\r\n", s.replace('\n', "\r\n")));
        Ok(())
    }
    fn write_str(&self, s: &str) -> io::Result<()> {
        self.feed(&s.replace('\n', "\r\n"));
        Ok(())
    }
    fn clear_line(&self) -> io::Result<()> {
        self.feed("\r\x1b[2K");
        Ok(())
    }
    fn flush(&self) -> io::Result<()> {
        Ok(())
    }
}

impl Write for VirtualTerminal {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.feed(&String::from_utf8_lossy(buf).replace('\n', "\r\n"));
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// `up` or `down` drawing into a virtual terminal, with a clock the test moves.
struct Screen {
    terminal: VirtualTerminal,
    start: Instant,
    now: Arc<Mutex<Instant>>,
    progress: TerminalProgress,
}

impl Screen {
    fn new(width: u16, height: u16) -> Self {
        let terminal = VirtualTerminal {
            parser: Arc::new(Mutex::new(vt100::Parser::new(height, width, 0))),
            width,
            height,
        };
        let start = Instant::now();
        let now = Arc::new(Mutex::new(start));
        let clock = now.clone();
        let progress = TerminalProgress::drawing_to(
            ProgressDrawTarget::term_like(Box::new(terminal.clone())),
            Arc::new(move || (usize::from(width), usize::from(height))),
            Arc::new(move || *clock.lock().unwrap()),
            Box::new(terminal.clone()),
        );
        Screen {
            terminal,
            start,
            now,
            progress,
        }
    }

    /// Events from now on happen `secs` seconds after the start.
    fn at(&mut self, secs: u64) -> &mut Self {
        *self.now.lock().unwrap() = self.start + Duration::from_secs(secs);
        self
    }

    fn report(&mut self, event: ProgressEvent) -> &mut Self {
        self.progress.report(event);
        self
    }

    /// The screen's rows, trailing blanks trimmed.
    fn rows(&self) -> Vec<String> {
        let parser = self.terminal.parser.lock().unwrap();
        parser
            .screen()
            .rows(0, self.terminal.width)
            .map(|row| row.trim_end().to_string())
            .collect()
    }

    /// The first row on screen containing every one of `words`.
    fn row_with(&self, words: &[&str]) -> Option<String> {
        self.rows()
            .into_iter()
            .find(|row| words.iter().all(|w| row.contains(w)))
    }

    fn dump(&self) -> String {
        self.rows().join("\n")
    }
}

fn operation(verb: &str, total: usize) -> ProgressEvent {
    ProgressEvent::Operation {
        verb: verb.into(),
        total: Some(total),
    }
}

fn stack(status: &str) -> ProgressEvent {
    ProgressEvent::Resource {
        logical_id: "app".into(),
        description: "Stack app".into(),
        resource_type: "AWS::CloudFormation::Stack".into(),
        group: None,
        status: status.into(),
        reason: None,
    }
}

/// A resource of the project (no Compose service): its description is its logical id.
fn project(logical_id: &str, resource_type: &str, status: &str) -> ProgressEvent {
    ProgressEvent::Resource {
        logical_id: logical_id.into(),
        description: logical_id.into(),
        resource_type: resource_type.into(),
        group: None,
        status: status.into(),
        reason: None,
    }
}

/// A resource of Compose service `service`, described as "<service> <label>".
fn of(service: &str, label: &str, resource_type: &str, status: &str) -> ProgressEvent {
    ProgressEvent::Resource {
        logical_id: format!("{service}{}", label.replace(' ', "")),
        description: format!("{service} {label}"),
        resource_type: resource_type.into(),
        group: Some(service.into()),
        status: status.into(),
        reason: None,
    }
}

fn failed(event: ProgressEvent, why: &str) -> ProgressEvent {
    match event {
        ProgressEvent::Resource {
            logical_id,
            description,
            resource_type,
            group,
            status,
            ..
        } => ProgressEvent::Resource {
            logical_id,
            description,
            resource_type,
            group,
            status,
            reason: Some(why.into()),
        },
        other => other,
    }
}

fn rollout(service: &str, running: i32, failed: i32) -> ProgressEvent {
    ProgressEvent::Rollout {
        service: format!("{service} service"),
        desired: 2,
        running,
        pending: 0,
        failed,
    }
}

fn finished(status: &str) -> ProgressEvent {
    ProgressEvent::Finished {
        stack: "app".into(),
        status: status.into(),
        urls: vec!["http://app-lb.example.com".into()],
    }
}

const SERVICE: &str = "AWS::ECS::Service";
/// What each Compose service brings besides its ECS service.
const SERVICE_PARTS: [(&str, &str); 4] = [
    ("task definition", "AWS::ECS::TaskDefinition"),
    ("task execution role", "AWS::IAM::Role"),
    ("target group", "AWS::ElasticLoadBalancingV2::TargetGroup"),
    ("log group", "AWS::Logs::LogGroup"),
];
const PROJECT_PARTS: [(&str, &str); 10] = [
    ("Cluster", "AWS::ECS::Cluster"),
    ("LoadBalancer", "AWS::ElasticLoadBalancingV2::LoadBalancer"),
    ("Listener80", "AWS::ElasticLoadBalancingV2::Listener"),
    ("LoadBalancerSecurityGroup", "AWS::EC2::SecurityGroup"),
    ("TaskSecurityGroup", "AWS::EC2::SecurityGroup"),
    ("IngressFromLoadBalancer", "AWS::EC2::SecurityGroupIngress"),
    ("DefaultNetwork", "AWS::EC2::SecurityGroup"),
    ("CloudMap", "AWS::ServiceDiscovery::PrivateDnsNamespace"),
    ("DataFileSystem", "AWS::EFS::FileSystem"),
    ("DataAccessPoint", "AWS::EFS::AccessPoint"),
];
const SERVICES: [&str; 6] = ["web", "api", "worker", "cache", "db", "proxy"];

/// A create of 40 resources (10 of the project, 5 for each of 6 services), up to the point where
/// every resource of the services is being created.
fn create_until_services_start(screen: &mut Screen) {
    screen
        .report(operation("Creating", 40))
        .report(stack("CREATE_IN_PROGRESS"));
    for (i, (id, ty)) in PROJECT_PARTS.iter().enumerate() {
        screen
            .at(i as u64)
            .report(project(id, ty, "CREATE_IN_PROGRESS"));
    }
    for (i, (id, ty)) in PROJECT_PARTS.iter().enumerate() {
        screen
            .at(20 + i as u64)
            .report(project(id, ty, "CREATE_COMPLETE"));
    }
    for service in SERVICES {
        for (label, ty) in SERVICE_PARTS {
            screen
                .at(31)
                .report(of(service, label, ty, "CREATE_IN_PROGRESS"));
        }
        screen.report(of(service, "service", SERVICE, "CREATE_IN_PROGRESS"));
    }
}

/// Then everything but the ECS services is done, and each service waits for its tasks.
fn create_until_services_wait(screen: &mut Screen) {
    for service in SERVICES {
        for (label, ty) in SERVICE_PARTS {
            screen
                .at(35)
                .report(of(service, label, ty, "CREATE_COMPLETE"));
        }
        screen.at(36).report(rollout(service, 1, 0));
    }
    screen.at(60);
}

/// Where each service's line is on screen (panics when one is missing), after the header.
fn service_rows(screen: &Screen, words: &[&str]) -> Vec<usize> {
    let rows = screen.rows();
    let header = rows
        .iter()
        .position(|r| r.starts_with("[+] "))
        .unwrap_or_else(|| panic!("no header on screen:\n{}", screen.dump()));
    SERVICES
        .iter()
        .map(|service| {
            let at = rows
                .iter()
                .position(|r| {
                    r.contains(&format!(" {service} ")) && words.iter().all(|w| r.contains(w))
                })
                .unwrap_or_else(|| panic!("no row for {service}:\n{}", screen.dump()));
            assert!(at > header, "{}", screen.dump());
            at
        })
        .collect()
}

#[test]
fn forty_resources_in_twenty_rows_keep_every_service_and_the_header_on_screen() {
    let mut screen = Screen::new(100, 20);
    create_until_services_start(&mut screen);
    // 40 lines would be needed: what is done collapses into a count, every service stays.
    assert!(
        screen.row_with(&["[+] Creating app 10/40"]).is_some(),
        "{}",
        screen.dump()
    );
    service_rows(&screen, &["Creating"]);
    assert!(
        screen.row_with(&["✔ 10 resources done"]).is_some(),
        "{}",
        screen.dump()
    );
    // In-progress lines beyond the screen are counted, not lost silently.
    assert!(
        screen.row_with(&["more in progress"]).is_some(),
        "{}",
        screen.dump()
    );

    create_until_services_wait(&mut screen);
    screen.report(rollout("proxy", 1, 0));
    assert!(
        screen.row_with(&["[+] Creating app 34/40"]).is_some(),
        "{}",
        screen.dump()
    );
    service_rows(&screen, &["Creating", "1/2 tasks running"]);

    // Everything comes up: the last screen names every service with its outcome, then the URL.
    for service in SERVICES {
        screen.at(80).report(rollout(service, 2, 0)).report(of(
            service,
            "service",
            SERVICE,
            "CREATE_COMPLETE",
        ));
    }
    screen
        .at(81)
        .report(stack("CREATE_COMPLETE"))
        .report(finished("CREATE_COMPLETE"));
    assert!(
        screen.row_with(&["[+] Created app 40/40"]).is_some(),
        "{}",
        screen.dump()
    );
    for at in service_rows(&screen, &["✔", "Created", "2/2 tasks running"]) {
        // From its first resource's first event (31 s) to its service's last (80 s).
        assert!(screen.rows()[at].contains("49s"), "{}", screen.dump());
    }
    assert!(screen.row_with(&["Stack app: CREATE_COMPLETE"]).is_some());
    assert!(screen.row_with(&["http://app-lb.example.com"]).is_some());
}

#[test]
fn a_short_terminal_still_shows_every_service_at_the_end() {
    let mut screen = Screen::new(80, 12);
    create_until_services_start(&mut screen);
    create_until_services_wait(&mut screen);
    for service in SERVICES {
        screen
            .at(70)
            .report(of(service, "service", SERVICE, "CREATE_COMPLETE"));
    }
    screen.report(finished("CREATE_COMPLETE"));
    assert!(
        screen.row_with(&["[+] Created app 40/40"]).is_some(),
        "{}",
        screen.dump()
    );
    service_rows(&screen, &["✔", "Created"]);
    assert!(
        screen.row_with(&["resources done"]).is_some(),
        "{}",
        screen.dump()
    );
    assert!(screen.row_with(&["http://app-lb.example.com"]).is_some());
}

#[test]
fn a_finished_row_keeps_the_time_it_took() {
    let mut screen = Screen::new(100, 30);
    screen
        .report(operation("Creating", 2))
        .report(stack("CREATE_IN_PROGRESS"));
    let lb = |status| {
        project(
            "Load balancer",
            "AWS::ElasticLoadBalancingV2::LoadBalancer",
            status,
        )
    };
    screen.at(0).report(lb("CREATE_IN_PROGRESS"));
    screen.at(36).report(project(
        "Cluster",
        "AWS::ECS::Cluster",
        "CREATE_IN_PROGRESS",
    ));
    let row = screen.row_with(&["Load balancer", "Creating"]).unwrap();
    assert!(row.ends_with("36s"), "{row}");
    screen.at(36).report(lb("CREATE_COMPLETE"));
    // Later draws do not reset the row's time nor keep it counting.
    screen
        .at(50)
        .report(project("Cluster", "AWS::ECS::Cluster", "CREATE_COMPLETE"));
    let row = screen.row_with(&["✔ Load balancer", "Created"]).unwrap();
    assert!(row.ends_with("36s"), "{row}");
    let cluster = screen.row_with(&["✔ Cluster", "Created"]).unwrap();
    assert!(cluster.ends_with("14s"), "{cluster}");
}

#[test]
fn down_says_how_long_each_deletion_took() {
    let mut screen = Screen::new(100, 20);
    screen
        .report(operation("Deleting", 1))
        .report(stack("DELETE_IN_PROGRESS"));
    let group = |status| project("Log group", "AWS::Logs::LogGroup", status);
    screen.at(0).report(group("DELETE_IN_PROGRESS"));
    screen.at(19).report(group("DELETE_COMPLETE"));
    screen.report(finished("DELETE_COMPLETE"));
    let row = screen.row_with(&["✔ Log group", "Deleted"]).unwrap();
    assert!(row.ends_with("19s"), "{row}");
    assert!(
        screen.row_with(&["[+] Deleted app 1/1"]).is_some(),
        "{}",
        screen.dump()
    );
}

/// An update whose web service never stabilises: ECS's circuit breaker trips, CloudFormation
/// rolls the stack back to the previous version.
fn failed_update(screen: &mut Screen) {
    screen
        .report(operation("Updating", 2))
        .report(stack("UPDATE_IN_PROGRESS"));
    let definition = |status| of("web", "task definition", "AWS::ECS::TaskDefinition", status);
    let service = |status| of("web", "service", SERVICE, status);
    screen.at(1).report(definition("UPDATE_IN_PROGRESS"));
    screen.at(2).report(definition("UPDATE_COMPLETE"));
    screen.at(3).report(service("UPDATE_IN_PROGRESS"));
    screen.at(40).report(rollout("web", 0, 4));
    screen.report(ProgressEvent::TaskStopped {
        service: "web service".into(),
        task: "0123abcd".into(),
        reason: "Essential container in task exited; web: exit code 1".into(),
    });
}

#[test]
fn a_failing_service_shows_why_under_its_row_while_it_fails() {
    let mut screen = Screen::new(120, 20);
    failed_update(&mut screen);
    let rows = screen.rows();
    let service = rows
        .iter()
        .position(|r| r.contains(" web ") && r.contains("Updating") && r.contains("4 failed"))
        .unwrap_or_else(|| panic!("{}", screen.dump()));
    assert!(
        rows[service + 1].contains("└ last stopped task: Essential container in task exited"),
        "{}",
        screen.dump()
    );
}

#[test]
fn a_rolled_back_update_reads_as_a_failure_not_a_success() {
    let mut screen = Screen::new(120, 20);
    failed_update(&mut screen);
    let breaker = "ECS Deployment Circuit Breaker was triggered";
    let service = |status| of("web", "service", SERVICE, status);
    let definition = |status| of("web", "task definition", "AWS::ECS::TaskDefinition", status);
    screen
        .at(50)
        .report(failed(service("UPDATE_FAILED"), breaker));
    screen.report(stack("UPDATE_ROLLBACK_IN_PROGRESS"));
    assert!(
        screen.row_with(&["[+] Rolling back app"]).is_some(),
        "{}",
        screen.dump()
    );
    screen.at(60).report(service("UPDATE_IN_PROGRESS"));
    screen.at(61).report(definition("UPDATE_IN_PROGRESS"));
    screen.at(70).report(definition("UPDATE_COMPLETE"));
    screen.at(90).report(service("UPDATE_COMPLETE"));
    // The tasks as they are after the rollback, not as they were while it failed.
    screen.report(rollout("web", 2, 0));
    screen.report(stack("UPDATE_ROLLBACK_COMPLETE"));
    screen.report(finished("UPDATE_ROLLBACK_COMPLETE"));

    let text = screen.dump();
    assert!(
        screen.row_with(&["[+] Rolled back app"]).is_some(),
        "{text}"
    );
    assert!(
        screen
            .row_with(&["✘ web", "Failed", "2/2 tasks running"])
            .is_some(),
        "{text}"
    );
    assert!(!text.contains("✔ web"), "{text}");
    assert!(!text.contains("Updated"), "{text}");
    assert!(!text.contains("4 failed"), "{text}");
    let rows = screen.rows();
    let failed_row = rows
        .iter()
        .position(|r| r.contains("✘ service") && r.contains("Update failed, rolled back"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(rows[failed_row + 1].contains(breaker), "{text}");
    assert!(screen
        .row_with(&["Stack app: UPDATE_ROLLBACK_COMPLETE"])
        .is_some());
}

#[test]
fn rows_a_rollback_changed_are_marked_rolled_back() {
    let mut view = LiveView::new();
    let now = Instant::now();
    let definition = |status| of("api", "task definition", "AWS::ECS::TaskDefinition", status);
    view.apply(&stack("UPDATE_IN_PROGRESS"), now);
    view.apply(&definition("UPDATE_IN_PROGRESS"), now);
    view.apply(&definition("UPDATE_COMPLETE"), now);
    view.apply(
        &failed(of("web", "service", SERVICE, "UPDATE_FAILED"), "boom"),
        now,
    );
    view.apply(&stack("UPDATE_ROLLBACK_IN_PROGRESS"), now);
    view.apply(&definition("UPDATE_IN_PROGRESS"), now);
    let frame = view.frame(100, 30, now).join("\n");
    assert!(frame.contains("Rolling back"), "{frame}");
    view.apply(&definition("UPDATE_COMPLETE"), now);
    let summary = view
        .summary("UPDATE_ROLLBACK_COMPLETE", 100, 30, now)
        .join("\n");
    assert!(
        summary.contains("↺ api") && summary.contains("Rolled back"),
        "{summary}"
    );
}

#[test]
fn failures_stay_on_screen_however_many_rows_are_done() {
    let mut view = LiveView::new();
    let now = Instant::now();
    for i in 0..50 {
        let id = format!("Rule{i}");
        view.apply(
            &project(&id, "AWS::EC2::SecurityGroupIngress", "CREATE_COMPLETE"),
            now,
        );
    }
    view.apply(
        &failed(
            project(
                "Listener443",
                "AWS::ElasticLoadBalancingV2::Listener",
                "CREATE_FAILED",
            ),
            "Certificate not found",
        ),
        now,
    );
    for i in 50..60 {
        let id = format!("Rule{i}");
        view.apply(
            &project(&id, "AWS::EC2::SecurityGroupIngress", "CREATE_COMPLETE"),
            now,
        );
    }
    let frame = view.frame(80, 8, now);
    assert!(frame.len() <= 7, "{frame:#?}");
    let text = frame.join("\n");
    assert!(text.contains("✘ Listener443"), "{text}");
    assert!(text.contains("Certificate not found"), "{text}");
    assert!(text.contains("57 resources done"), "{text}");
    assert!(frame.iter().all(|l| console::measure_text_width(l) <= 80));
}

#[test]
fn in_progress_rows_beyond_the_terminal_are_counted() {
    let mut view = LiveView::new();
    let now = Instant::now();
    for i in 0..30 {
        let id = format!("Rule{i}");
        view.apply(
            &project(&id, "AWS::EC2::SecurityGroupIngress", "CREATE_IN_PROGRESS"),
            now,
        );
    }
    let frame = view.frame(80, 10, now);
    assert_eq!(frame.len(), 9, "{frame:#?}");
    assert!(frame[1].contains("Rule0"), "{frame:#?}");
    assert!(frame[8].contains("… 23 more in progress"), "{frame:#?}");
}

#[test]
fn a_service_folds_its_resources_once_they_are_done() {
    let mut view = LiveView::new();
    let now = Instant::now();
    for (label, ty) in SERVICE_PARTS {
        view.apply(&of("web", label, ty, "CREATE_IN_PROGRESS"), now);
    }
    let frame = view.frame(100, 30, now).join("\n");
    assert!(frame.contains("task execution role"), "{frame}");
    for (label, ty) in SERVICE_PARTS {
        view.apply(&of("web", label, ty, "CREATE_COMPLETE"), now);
    }
    view.apply(&of("web", "service", SERVICE, "CREATE_COMPLETE"), now);
    let frame = view.frame(100, 30, now);
    assert_eq!(frame.len(), 2, "{frame:#?}");
    assert!(
        frame[1].contains("✔ web") && frame[1].contains("5 resources"),
        "{frame:#?}"
    );
}

#[test]
fn sentences_and_stopped_tasks_are_printed_above_the_view_and_stay() {
    let mut screen = Screen::new(100, 20);
    screen.report(ProgressEvent::Info("Deploying to VPC vpc-1".into()));
    failed_update(&mut screen);
    let rows = screen.rows();
    let said = rows
        .iter()
        .position(|r| r.contains("Deploying to VPC vpc-1"))
        .unwrap();
    let stopped = rows
        .iter()
        .position(|r| r.contains("web service: task 0123abcd stopped"))
        .unwrap_or_else(|| panic!("{}", screen.dump()));
    let header = rows
        .iter()
        .position(|r| r.contains("[+] Updating app"))
        .unwrap();
    assert!(said < stopped && stopped < header, "{}", screen.dump());
}

#[test]
fn the_header_counts_stack_resources_and_images_apart() {
    let now = Instant::now();
    let image = |service: &str, state| ProgressEvent::Image {
        service: service.into(),
        state,
    };
    let mut view = LiveView::new();
    view.apply(
        &image("web", crate::lifecycle::progress::ImageState::Building),
        now,
    );
    let pushed = crate::lifecycle::progress::ImageState::Pushed {
        digest: "sha256:0123456789abcdef".into(),
    };
    view.apply(&image("api", pushed), now);
    let frame = view.frame(100, 20, now);
    assert_eq!(frame[0], "[+] Images 1/2", "{frame:#?}");
    // The full short digest fits in the status column.
    assert!(
        frame
            .iter()
            .any(|l| l.contains("Pushed sha256:0123456789ab")),
        "{frame:#?}"
    );

    // Then the stack: its resources are counted, the images are not.
    view.apply(&operation("Creating", 3), now);
    view.apply(&stack("CREATE_IN_PROGRESS"), now);
    view.apply(
        &project("Cluster", "AWS::ECS::Cluster", "CREATE_COMPLETE"),
        now,
    );
    assert_eq!(view.frame(100, 20, now)[0], "[+] Creating app 1/3");

    // A delete whose resources said nothing: no "0/N" that reads as nothing deleted.
    let mut view = LiveView::new();
    view.apply(&operation("Deleting", 23), now);
    view.apply(&stack("DELETE_IN_PROGRESS"), now);
    assert_eq!(view.frame(100, 20, now)[0], "[+] Deleting app 0/23");
    assert_eq!(
        view.summary("DELETE_COMPLETE", 100, 20, now)[0],
        "[+] Deleted app"
    );
}

/// A deployment with jobs: the first update, the job's lines printed above the view, then the
/// second update drawn afresh (its own header and rows only), and the end.
#[test]
fn the_update_after_the_jobs_starts_a_fresh_view() {
    let mut screen = Screen::new(100, 20);
    screen
        .report(operation("Updating", 2))
        .report(stack("UPDATE_IN_PROGRESS"))
        .at(1)
        .report(of(
            "migrate",
            "task definition",
            "AWS::ECS::TaskDefinition",
            "UPDATE_IN_PROGRESS",
        ))
        .at(3)
        .report(of(
            "migrate",
            "task definition",
            "AWS::ECS::TaskDefinition",
            "UPDATE_COMPLETE",
        ))
        .report(stack("UPDATE_COMPLETE"))
        .report(ProgressEvent::Info(
            "Stack app: UPDATE_COMPLETE; running the jobs".into(),
        ))
        .at(4)
        .report(ProgressEvent::Info("migrate | applied 3 migrations".into()))
        .report(ProgressEvent::Info("Job migrate: exited with 0".into()))
        .at(5)
        .report(operation("Updating", 1));
    // Before the stack's first event of the second update, the header still names it.
    assert!(
        screen.row_with(&["[+] Updating app 0/1"]).is_some(),
        "{}",
        screen.dump()
    );
    screen.report(stack("UPDATE_IN_PROGRESS")).at(6).report(of(
        "web",
        "service",
        SERVICE,
        "UPDATE_IN_PROGRESS",
    ));
    let during = screen.dump();
    assert!(
        screen
            .row_with(&["migrate | applied 3 migrations"])
            .is_some()
            && screen.row_with(&["Job migrate: exited with 0"]).is_some(),
        "{during}"
    );
    assert!(screen.row_with(&["Updating", "0/1"]).is_some(), "{during}");
    assert!(screen.row_with(&["web"]).is_some(), "{during}");
    // The first update's rows are not part of the second's view.
    let below_sentences: Vec<String> = screen
        .rows()
        .into_iter()
        .skip_while(|row| !row.contains("Job migrate: exited with 0"))
        .skip(1)
        .collect();
    assert!(
        !below_sentences.iter().any(|row| row.contains("migrate")),
        "{during}"
    );
    screen
        .at(20)
        .report(of("web", "service", SERVICE, "UPDATE_COMPLETE"))
        .report(stack("UPDATE_COMPLETE"))
        .report(finished("UPDATE_COMPLETE"));
    assert!(
        screen.row_with(&["Stack app: UPDATE_COMPLETE"]).is_some(),
        "{}",
        screen.dump()
    );
}
