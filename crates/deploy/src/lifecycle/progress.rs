//! What `up` and `down` show while CloudFormation works. The deploy logic reports [`ProgressEvent`]s
//! to a [`Progress`] sink; this module renders them live on a terminal (one line per resource) or as
//! plain lines (not a terminal, or `CI=true`). Tests pass their own sink and read what was reported.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::style::ProgressTracker;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use crate::lifecycle::live_view::LiveView;

/// Something worth showing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProgressEvent {
    /// A sentence about what is happening ("Creating stack app", "Nothing to update").
    Info(String),
    /// What the operation does and how many resources it changes, when known (the live view's
    /// header: `[+] Updating app 3/12`).
    Operation { verb: String, total: Option<usize> },
    /// A resource (or the stack itself) changed status.
    Resource {
        logical_id: String,
        description: String,
        /// `AWS::ECS::Service`...; `AWS::CloudFormation::Stack` for the stack itself.
        resource_type: String,
        /// The Compose service the resource belongs to.
        group: Option<String>,
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
    /// The last lines a stopped task logged (read before a rollback can delete its log group).
    TaskLogs {
        service: String,
        task: String,
        lines: Vec<String>,
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

pub(crate) fn is_terminal_status(status: &str) -> bool {
    !status.ends_with("_IN_PROGRESS")
}

pub(crate) fn is_failed_status(status: &str) -> bool {
    status.ends_with("_FAILED") || status.contains("ROLLBACK")
}

pub(crate) fn rollout_text(desired: i32, running: i32, pending: i32, failed: i32) -> String {
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
            // The resources' own lines say as much.
            ProgressEvent::Operation { .. } => {}
            ProgressEvent::Resource {
                logical_id,
                description,
                status,
                reason,
                ..
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
            ProgressEvent::TaskLogs {
                service,
                task,
                lines,
            } => {
                self.line(&format!("{service}: last log lines of task {task}:"));
                for line in lines {
                    self.line(&format!("  {line}"));
                }
            }
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

/// The terminal's size: (columns, rows).
pub type TerminalSize = Arc<dyn Fn() -> (usize, usize) + Send + Sync>;
/// What time it is (tests pass a clock they move).
pub type Clock = Arc<dyn Fn() -> Instant + Send + Sync>;

/// The live view (see live_view.rs) drawn by indicatif as one multi-line bar that renders the
/// view afresh at each draw, so elapsed times and spinners move between events. Sentences are
/// printed above it and stay; the last screen is printed below when the operation ends.
pub struct TerminalProgress {
    view: Arc<Mutex<LiveView>>,
    bar: ProgressBar,
    size: TerminalSize,
    clock: Clock,
    /// Where text goes once live drawing has stopped.
    out: Box<dyn Write + Send>,
    finished: bool,
}

/// Renders the frame whenever indicatif draws.
#[derive(Clone)]
struct Frame {
    view: Arc<Mutex<LiveView>>,
    size: TerminalSize,
    clock: Clock,
}

impl ProgressTracker for Frame {
    fn clone_box(&self) -> Box<dyn ProgressTracker> {
        Box::new(self.clone())
    }
    fn tick(&mut self, _: &ProgressState, _: Instant) {}
    fn reset(&mut self, _: &ProgressState, _: Instant) {}
    fn write(&self, _: &ProgressState, w: &mut dyn std::fmt::Write) {
        let (width, height) = (self.size)();
        let Ok(view) = self.view.lock() else { return };
        let _ = w.write_str(&view.frame(width, height, (self.clock)()).join("\n"));
    }
}

impl TerminalProgress {
    /// On stderr, redrawn ten times a second.
    pub fn new() -> Self {
        let size: TerminalSize = Arc::new(|| {
            let (rows, columns) = console::Term::stderr().size();
            (usize::from(columns), usize::from(rows))
        });
        let progress = Self::drawing_to(
            ProgressDrawTarget::stderr(),
            size,
            Arc::new(Instant::now),
            Box::new(std::io::stderr()),
        );
        progress.bar.enable_steady_tick(Duration::from_millis(100));
        progress
    }

    /// Draw on `target` (a terminal of `size`), with the time from `clock`; text printed after the
    /// end goes to `out`. Drawn at each event only: tests read the screen between events.
    pub fn drawing_to(
        target: ProgressDrawTarget,
        size: TerminalSize,
        clock: Clock,
        out: Box<dyn Write + Send>,
    ) -> Self {
        let view = Arc::new(Mutex::new(LiveView::new()));
        let frame = Frame {
            view: view.clone(),
            size: size.clone(),
            clock: clock.clone(),
        };
        let style = ProgressStyle::with_template("{frame}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner())
            .with_key("frame", frame);
        let bar = ProgressBar::with_draw_target(None, target);
        bar.set_style(style);
        TerminalProgress {
            view,
            bar,
            size,
            clock,
            out,
            finished: false,
        }
    }

    fn println(&mut self, text: &str) {
        if self.finished {
            let _ = writeln!(self.out, "{text}");
            let _ = self.out.flush();
        } else {
            self.bar.println(text);
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
        let now = (self.clock)();
        let printed = match self.view.lock() {
            Ok(mut view) => view.apply(&event, now),
            Err(_) => Vec::new(),
        };
        for line in printed {
            self.println(&line);
        }
        if let ProgressEvent::Finished {
            stack,
            status,
            urls,
        } = &event
        {
            if self.finished {
                return;
            }
            // The last screen goes below what was printed, in full (not cut to the terminal's
            // height where services would be lost), and stays.
            self.bar.finish_and_clear();
            self.finished = true;
            let (width, height) = (self.size)();
            let ending = format!("\n{}", finished_text(stack, status, urls));
            // Room for the stack's status and URLs below, on the same screen.
            let height = height.saturating_sub(ending.lines().count());
            let summary = match self.view.lock() {
                Ok(view) => view.summary(status, width, height, now),
                Err(_) => Vec::new(),
            };
            for line in summary {
                self.println(&line);
            }
            self.println(&ending);
        } else if !self.finished {
            self.bar.tick();
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

    #[test]
    fn image_lines_follow_build_and_push() {
        let buffer = Shared::default();
        let mut plain = PlainProgress::new(Box::new(buffer.clone()));
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
            plain.report(event);
        }
        let pushed = ProgressEvent::Image {
            service: "web".into(),
            state: ImageState::Pushed {
                digest: "sha256:fedcba9876543210fedc".into(),
            },
        };
        plain.report(pushed);
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
            resource_type: "AWS::ElasticLoadBalancingV2::LoadBalancer".into(),
            group: None,
            status: "CREATE_IN_PROGRESS".into(),
            reason: Some("Resource creation Initiated".into()),
        });
        progress.report(ProgressEvent::Resource {
            logical_id: "LoadBalancer".into(),
            description: "Load balancer".into(),
            resource_type: "AWS::ElasticLoadBalancingV2::LoadBalancer".into(),
            group: None,
            status: "CREATE_IN_PROGRESS".into(),
            reason: None,
        });
        progress.report(ProgressEvent::Resource {
            logical_id: "WebService".into(),
            description: "web service".into(),
            resource_type: "AWS::ECS::Service".into(),
            group: Some("web".into()),
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
