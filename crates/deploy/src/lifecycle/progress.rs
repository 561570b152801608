//! What `up` and `down` show while CloudFormation works. The deploy logic reports [`ProgressEvent`]s
//! to a [`Progress`] sink; this module renders them live on a terminal (one line per resource) or as
//! plain lines (not a terminal, or `CI=true`). Tests pass their own sink and read what was reported.

use std::collections::HashMap;
use std::io::Write;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Something worth showing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProgressEvent {
    /// A sentence about what is happening ("Creating stack app", "Nothing to update").
    Info(String),
    /// A resource (or the stack itself) changed status.
    Resource {
        logical_id: String,
        description: String,
        status: String,
        reason: Option<String>,
    },
    /// An ECS service's deployment while it rolls out.
    Rollout {
        service: String,
        desired: i32,
        running: i32,
        pending: i32,
        failed: i32,
    },
    /// A task of a rolling-out service stopped; `reason` says why.
    TaskStopped {
        service: String,
        task: String,
        reason: String,
    },
    /// The first real cause of a failed operation, in full.
    Failure { resource: String, reason: String },
    /// The image of a `build:` service moved on (built, pushed...).
    Image { service: String, state: ImageState },
    /// A line of a service's build output: printed as it comes in plain mode (CI logs), left out
    /// of the live view (a failed build's last lines are in its error).
    BuildLog { service: String, line: String },
    /// The operation ended: the stack's final status and, on success, the app's URLs.
    Finished {
        stack: String,
        status: String,
        urls: Vec<String>,
    },
}

/// Where the image of a `build:` service is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageState {
    Building,
    /// Built locally; `id` is the local image id.
    Built {
        id: String,
    },
    /// Going to Amazon ECR; `bytes` is the image's size when docker said it.
    Pushing {
        bytes: Option<u64>,
    },
    Pushed {
        digest: String,
    },
    /// Amazon ECR already holds this build: nothing to push.
    UpToDate {
        digest: String,
    },
    Failed,
}

impl ImageState {
    /// In words, for both views.
    pub fn text(&self) -> String {
        match self {
            ImageState::Building => "Building".into(),
            ImageState::Built { id } => format!("Built {}", short_id(id)),
            ImageState::Pushing { bytes: Some(bytes) } => {
                format!("Pushing {:.1} MB", *bytes as f64 / 1_000_000.0)
            }
            ImageState::Pushing { bytes: None } => "Pushing".into(),
            ImageState::Pushed { digest } => format!("Pushed {}", short_id(digest)),
            ImageState::UpToDate { digest } => {
                format!("Already in Amazon ECR {}", short_id(digest))
            }
            ImageState::Failed => "Build failed".into(),
        }
    }

    /// Nothing more will happen to the image in this step.
    fn is_done(&self) -> bool {
        !matches!(self, ImageState::Building | ImageState::Pushing { .. })
    }
}

/// `sha256:0123456789ab`: enough of a digest or image id to tell two apart.
fn short_id(id: &str) -> String {
    let hex = id.trim_start_matches("sha256:");
    format!("sha256:{}", &hex[..hex.len().min(12)])
}

/// Where progress goes.
pub trait Progress: Send {
    fn report(&mut self, event: ProgressEvent);
}

/// Records every event: for tests, and for callers that render later.
#[derive(Debug, Default)]
pub struct Recorder {
    pub events: Vec<ProgressEvent>,
}

impl Progress for Recorder {
    fn report(&mut self, event: ProgressEvent) {
        self.events.push(event);
    }
}

/// Live view on a terminal, plain lines otherwise (stderr not a terminal, or `CI=true`).
pub fn for_stderr() -> Box<dyn Progress> {
    let ci = std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1");
    if !ci && console::Term::stderr().is_term() {
        Box::new(TerminalProgress::new())
    } else {
        Box::new(PlainProgress::new(Box::new(std::io::stderr())))
    }
}

/// CloudFormation's status in words.
pub fn human_status(status: &str) -> &str {
    match status {
        "CREATE_IN_PROGRESS" => "Creating",
        "CREATE_COMPLETE" => "Created",
        "CREATE_FAILED" => "Creation failed",
        "UPDATE_IN_PROGRESS" => "Updating",
        "UPDATE_COMPLETE" => "Updated",
        "UPDATE_FAILED" => "Update failed",
        "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS" => "Cleaning up",
        "DELETE_IN_PROGRESS" => "Deleting",
        "DELETE_COMPLETE" => "Deleted",
        "DELETE_FAILED" => "Deletion failed",
        "DELETE_SKIPPED" => "Retained",
        "ROLLBACK_IN_PROGRESS" | "UPDATE_ROLLBACK_IN_PROGRESS" => "Rolling back",
        "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS" => "Rolling back (cleaning up)",
        "ROLLBACK_COMPLETE" | "UPDATE_ROLLBACK_COMPLETE" => "Rolled back",
        "ROLLBACK_FAILED" | "UPDATE_ROLLBACK_FAILED" => "Rollback failed",
        "REVIEW_IN_PROGRESS" => "Preparing",
        other => other,
    }
}

fn is_terminal_status(status: &str) -> bool {
    !status.ends_with("_IN_PROGRESS")
}

fn is_failed_status(status: &str) -> bool {
    status.ends_with("_FAILED") || status.contains("ROLLBACK")
}

fn rollout_text(desired: i32, running: i32, pending: i32, failed: i32) -> String {
    let mut text = format!("{running}/{desired} tasks running");
    if pending > 0 {
        text.push_str(&format!(", {pending} pending"));
    }
    if failed > 0 {
        text.push_str(&format!(", {failed} failed"));
    }
    text
}

fn finished_text(stack: &str, status: &str, urls: &[String]) -> String {
    let mut text = format!("Stack {stack}: {status}");
    for url in urls {
        text.push_str(&format!("\n  {url}"));
    }
    text
}

/// Line by line, each prefixed with the time since the operation started.
pub struct PlainProgress {
    out: Box<dyn Write + Send>,
    started: Instant,
    /// Per resource: the status last printed and when the resource started its current change.
    resources: HashMap<String, (String, Instant)>,
}

impl PlainProgress {
    pub fn new(out: Box<dyn Write + Send>) -> Self {
        PlainProgress {
            out,
            started: Instant::now(),
            resources: HashMap::new(),
        }
    }

    fn line(&mut self, text: &str) {
        let elapsed = self.started.elapsed().as_secs();
        // A closed stderr is no reason to abandon a deployment.
        let _ = writeln!(self.out, "[{elapsed:>4}s] {text}");
        let _ = self.out.flush();
    }
}

impl Progress for PlainProgress {
    fn report(&mut self, event: ProgressEvent) {
        match event {
            ProgressEvent::Info(text) => self.line(&text),
            ProgressEvent::Resource {
                logical_id,
                description,
                status,
                reason,
            } => {
                let failure = reason.filter(|_| is_failed_status(&status));
                let now = Instant::now();
                let since = match self.resources.get(&logical_id) {
                    // CloudFormation repeats a status ("Resource creation Initiated"): once is enough.
                    Some((last, _)) if *last == status && failure.is_none() => return,
                    Some((last, since)) if !is_terminal_status(last) => *since,
                    _ => now,
                };
                self.resources.insert(logical_id, (status.clone(), since));
                let mut text = format!("{description}: {}", human_status(&status));
                if let Some(reason) = failure {
                    text.push_str(&format!(" ({reason})"));
                }
                if is_terminal_status(&status) {
                    text.push_str(&format!(" after {}s", now.duration_since(since).as_secs()));
                }
                self.line(&text);
            }
            ProgressEvent::Rollout {
                service,
                desired,
                running,
                pending,
                failed,
            } => self.line(&format!(
                "{service}: {}",
                rollout_text(desired, running, pending, failed)
            )),
            ProgressEvent::TaskStopped {
                service,
                task,
                reason,
            } => self.line(&format!("{service}: task {task} stopped: {reason}")),
            ProgressEvent::Failure { resource, reason } => {
                self.line(&format!("FAILED {resource}: {reason}"))
            }
            ProgressEvent::Image { service, state } => {
                self.line(&format!("{service} image: {}", state.text()))
            }
            ProgressEvent::BuildLog { service, line } => self.line(&format!("{service} | {line}")),
            ProgressEvent::Finished {
                stack,
                status,
                urls,
            } => self.line(&finished_text(&stack, &status, &urls)),
        }
    }
}

/// One live line per resource (description, status, elapsed), one per rolling-out service.
pub struct TerminalProgress {
    multi: MultiProgress,
    lines: HashMap<String, ProgressBar>,
    running: ProgressStyle,
    done: ProgressStyle,
    /// Live drawing has stopped: later lines go straight to stderr.
    finished: bool,
}

impl TerminalProgress {
    pub fn new() -> Self {
        Self::drawing_to(ProgressDrawTarget::stderr())
    }

    /// Draw somewhere else than stderr (tests draw nowhere).
    pub fn drawing_to(target: ProgressDrawTarget) -> Self {
        let running =
            ProgressStyle::with_template("{spinner:.cyan} {prefix:<40} {wide_msg} {elapsed:>5}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
        let done = ProgressStyle::with_template("{prefix:<42} {wide_msg} {elapsed:>5}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        TerminalProgress {
            multi: MultiProgress::with_draw_target(target),
            lines: HashMap::new(),
            running,
            done,
            finished: false,
        }
    }

    fn line(&mut self, key: &str, label: &str) -> ProgressBar {
        if let Some(bar) = self.lines.get(key) {
            return bar.clone();
        }
        let bar = self.multi.add(ProgressBar::new_spinner());
        bar.set_style(self.running.clone());
        bar.set_prefix(label.to_string());
        bar.enable_steady_tick(Duration::from_millis(120));
        self.lines.insert(key.to_string(), bar.clone());
        bar
    }

    fn println(&self, text: &str) {
        if self.finished || self.multi.println(text).is_err() {
            eprintln!("{text}");
        }
    }
}

impl Default for TerminalProgress {
    fn default() -> Self {
        Self::new()
    }
}

impl Progress for TerminalProgress {
    fn report(&mut self, event: ProgressEvent) {
        match event {
            ProgressEvent::Info(text) => self.println(&text),
            ProgressEvent::Resource {
                logical_id,
                description,
                status,
                ..
            } => {
                let bar = self.line(&logical_id, &description);
                if is_terminal_status(&status) {
                    let mark = if is_failed_status(&status) {
                        "✘"
                    } else {
                        "✔"
                    };
                    bar.set_style(self.done.clone());
                    bar.set_message(human_status(&status).to_string());
                    bar.set_prefix(format!("{mark} {description}"));
                    bar.finish();
                } else {
                    if bar.is_finished() {
                        // A resource can change again (update, then rollback): bring its line back to life.
                        bar.reset();
                        bar.set_style(self.running.clone());
                        bar.set_prefix(description.clone());
                        bar.enable_steady_tick(Duration::from_millis(120));
                    }
                    bar.set_message(human_status(&status).to_string());
                }
            }
            ProgressEvent::Rollout {
                service,
                desired,
                running,
                pending,
                failed,
            } => {
                let key = format!("rollout:{service}");
                let label = format!("{service} tasks");
                let bar = self.line(&key, &label);
                let settled = running >= desired && pending == 0;
                if bar.is_finished() && !settled {
                    // Tasks stopped after the service had settled: follow it again.
                    bar.reset();
                    bar.set_style(self.running.clone());
                    bar.set_prefix(label.clone());
                    bar.enable_steady_tick(Duration::from_millis(120));
                }
                bar.set_message(rollout_text(desired, running, pending, failed));
                if settled && !bar.is_finished() {
                    bar.set_style(self.done.clone());
                    bar.set_prefix(format!("✔ {label}"));
                    bar.finish();
                }
            }
            ProgressEvent::TaskStopped {
                service,
                task,
                reason,
            } => self.println(&format!("{service}: task {task} stopped: {reason}")),
            ProgressEvent::Failure { resource, reason } => {
                self.println(&format!("✘ {resource} failed: {reason}"))
            }
            ProgressEvent::Image { service, state } => {
                let label = format!("{service} image");
                let bar = self.line(&format!("image:{service}"), &label);
                if bar.is_finished() && !state.is_done() {
                    // Built, now pushed: the line comes back to life.
                    bar.reset();
                    bar.set_style(self.running.clone());
                    bar.set_prefix(label.clone());
                    bar.enable_steady_tick(Duration::from_millis(120));
                }
                bar.set_message(state.text());
                if state.is_done() {
                    let mark = if state == ImageState::Failed {
                        "✘"
                    } else {
                        "✔"
                    };
                    bar.set_style(self.done.clone());
                    bar.set_prefix(format!("{mark} {label}"));
                    bar.finish();
                }
            }
            ProgressEvent::BuildLog { .. } => {}
            ProgressEvent::Finished {
                stack,
                status,
                urls,
            } => {
                for bar in self.lines.values() {
                    if !bar.is_finished() {
                        bar.finish();
                    }
                }
                // The summary goes below the finished lines, not above them: stop live drawing
                // (the lines stay on screen) and print plainly.
                self.multi.set_draw_target(ProgressDrawTarget::hidden());
                self.finished = true;
                // The cursor is still at the end of the last line drawn.
                eprintln!("\n{}", finished_text(&stack, &status, &urls));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);
    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| std::io::Error::other("poisoned"))?
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn resource(logical_id: &str, status: &str) -> ProgressEvent {
        ProgressEvent::Resource {
            logical_id: logical_id.into(),
            description: logical_id.into(),
            status: status.into(),
            reason: None,
        }
    }

    #[test]
    fn terminal_lines_finish_with_their_resource_and_come_back_for_a_rollback() {
        let mut progress = TerminalProgress::drawing_to(ProgressDrawTarget::hidden());
        progress.report(resource("WebService", "UPDATE_IN_PROGRESS"));
        progress.report(resource("LoadBalancer", "UPDATE_IN_PROGRESS"));
        progress.report(resource("WebService", "UPDATE_COMPLETE"));
        assert!(progress.lines["WebService"].is_finished());
        assert!(!progress.lines["LoadBalancer"].is_finished());
        // The update fails elsewhere and the service is rolled back: its line is live again.
        progress.report(resource("WebService", "UPDATE_IN_PROGRESS"));
        assert!(!progress.lines["WebService"].is_finished());
        assert_eq!(progress.lines["WebService"].message(), "Updating");
        progress.report(ProgressEvent::Finished {
            stack: "app".into(),
            status: "UPDATE_ROLLBACK_COMPLETE".into(),
            urls: Vec::new(),
        });
        assert!(progress.lines.values().all(ProgressBar::is_finished));
        assert_eq!(progress.lines.len(), 2);
    }

    #[test]
    fn terminal_rollout_line_settles_and_follows_new_failures() {
        let mut progress = TerminalProgress::drawing_to(ProgressDrawTarget::hidden());
        let rollout = |running, failed| ProgressEvent::Rollout {
            service: "web service".into(),
            desired: 2,
            running,
            pending: 0,
            failed,
        };
        progress.report(rollout(1, 0));
        assert!(!progress.lines["rollout:web service"].is_finished());
        progress.report(rollout(2, 0));
        assert!(progress.lines["rollout:web service"].is_finished());
        progress.report(rollout(1, 1));
        let line = &progress.lines["rollout:web service"];
        assert!(!line.is_finished());
        assert_eq!(line.message(), "1/2 tasks running, 1 failed");
    }

    #[test]
    fn image_lines_follow_build_and_push() {
        let buffer = Shared::default();
        let mut plain = PlainProgress::new(Box::new(buffer.clone()));
        let mut terminal = TerminalProgress::drawing_to(ProgressDrawTarget::hidden());
        let events = [
            ProgressEvent::Image {
                service: "web".into(),
                state: ImageState::Building,
            },
            ProgressEvent::BuildLog {
                service: "web".into(),
                line: "Step 1/2 : FROM busybox:1.36".into(),
            },
            ProgressEvent::Image {
                service: "web".into(),
                state: ImageState::Built {
                    id: "sha256:0123456789abcdef0123".into(),
                },
            },
            ProgressEvent::Image {
                service: "web".into(),
                state: ImageState::Pushing {
                    bytes: Some(2_500_000),
                },
            },
        ];
        for event in events {
            plain.report(event.clone());
            terminal.report(event);
        }
        assert!(!terminal.lines["image:web"].is_finished());
        assert_eq!(terminal.lines["image:web"].message(), "Pushing 2.5 MB");
        let pushed = ProgressEvent::Image {
            service: "web".into(),
            state: ImageState::Pushed {
                digest: "sha256:fedcba9876543210fedc".into(),
            },
        };
        plain.report(pushed.clone());
        terminal.report(pushed);
        assert!(terminal.lines["image:web"].is_finished());
        let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text
            .lines()
            .filter_map(|l| l.split_once("] ").map(|(_, text)| text))
            .collect();
        assert_eq!(
            lines,
            [
                "web image: Building",
                "web | Step 1/2 : FROM busybox:1.36",
                "web image: Built sha256:0123456789ab",
                "web image: Pushing 2.5 MB",
                "web image: Pushed sha256:fedcba987654",
            ]
        );
    }

    #[test]
    fn plain_lines_name_resource_status_and_failure_reason() {
        let buffer = Shared::default();
        let mut progress = PlainProgress::new(Box::new(buffer.clone()));
        progress.report(ProgressEvent::Resource {
            logical_id: "LoadBalancer".into(),
            description: "Load balancer".into(),
            status: "CREATE_IN_PROGRESS".into(),
            reason: Some("Resource creation Initiated".into()),
        });
        progress.report(ProgressEvent::Resource {
            logical_id: "LoadBalancer".into(),
            description: "Load balancer".into(),
            status: "CREATE_IN_PROGRESS".into(),
            reason: None,
        });
        progress.report(ProgressEvent::Resource {
            logical_id: "WebService".into(),
            description: "web service".into(),
            status: "CREATE_FAILED".into(),
            reason: Some("CannotPullContainerError".into()),
        });
        progress.report(ProgressEvent::Finished {
            stack: "app".into(),
            status: "CREATE_COMPLETE".into(),
            urls: vec!["http://lb".into()],
        });
        let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text
            .lines()
            .filter_map(|l| l.split_once("] ").map(|(_, text)| text))
            .collect();
        assert_eq!(
            lines,
            [
                "Load balancer: Creating",
                "web service: Creation failed (CannotPullContainerError) after 0s",
                "Stack app: CREATE_COMPLETE",
            ]
        );
        assert!(text.ends_with("\n  http://lb\n"));
    }
}
