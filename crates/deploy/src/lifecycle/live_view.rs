//! What the live view of `up` and `down` shows: CloudFormation's resources, the ECS rollouts and
//! the image builds, grouped by Compose service and fitted to the terminal. Pure: events and
//! instants in, lines out (progress.rs draws them), so a test can replay any event sequence and
//! read the screen a person would see.
//!
//! Layout, as compose's: a header (`[+] Creating app 12/30`), then one line per resource of the
//! project (cluster, load balancer...) and one per Compose service, its resources folded under it
//! once they are done. Failed lines are marked ✘ with their reason indented under them; rows a
//! rollback changed again are marked ↺. When the terminal is too short, finished lines collapse
//! into a count first, then the services that are done, and in-progress or failed lines stay.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::lifecycle::progress::{human_status, rollout_text, ImageState, ProgressEvent};

const SPINNER: &[&str] = &["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
/// Labels and statuses longer than this are cut, so the elapsed times stay in one column.
const MAX_LABEL: usize = 40;
const MAX_STATUS: usize = 44;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Active,
    Done,
    Failed,
    /// Only cancelled because something else failed: not a cause.
    Cancelled,
}

#[derive(Debug, Clone)]
struct Row {
    /// The Compose service the row belongs to.
    group: Option<String>,
    /// As shown: under its group, without the group's name ("task definition").
    label: String,
    /// The status in words.
    status: String,
    state: State,
    first: Instant,
    last: Instant,
    /// Shown indented under the row: a failure's reason, why the last task stopped.
    reason: Option<String>,
    /// An ECS service's task counts.
    tasks: Option<String>,
    /// Changed again by the rollback of the operation.
    rolled_back: bool,
    /// The ECS service of its group: the group's line shows its status.
    is_service: bool,
    /// An image being built and pushed, not a resource of the stack.
    is_image: bool,
}

impl Row {
    fn elapsed(&self, now: Instant) -> Duration {
        let end = if self.state == State::Active {
            now
        } else {
            self.last
        };
        end.saturating_duration_since(self.first)
    }
}

/// The state of the screen.
#[derive(Debug, Default)]
pub struct LiveView {
    stack: Option<String>,
    /// "Creating", "Updating", "Deleting", "Rolling back".
    verb: Option<String>,
    /// Resources the operation changes, when known.
    total: Option<usize>,
    rows: Vec<Row>,
    by_key: HashMap<String, usize>,
    by_description: HashMap<String, usize>,
    rolling_back: bool,
}

/// A line of the frame and how much it matters when space runs out.
struct Line {
    text: Vec<Cell>,
    priority: Priority,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Priority {
    /// Failed lines and their reasons: always shown.
    Failed,
    /// A Compose service still moving.
    Service,
    /// A resource still moving.
    Active,
    /// A Compose service that is done.
    ServiceDone,
    /// A resource of the project that is done.
    Done,
}

/// A line before it is laid out in columns.
enum Cell {
    /// Indent, mark, label, status, elapsed, detail.
    Row {
        indent: usize,
        mark: String,
        label: String,
        status: String,
        elapsed: String,
        detail: String,
    },
    /// Free text (a reason, a count).
    Text(String),
}

impl LiveView {
    pub fn new() -> Self {
        Self::default()
    }

    /// Take an event in; returns lines to print above the view for good (sentences, stopped
    /// tasks), which are not part of the live view.
    pub fn apply(&mut self, event: &ProgressEvent, now: Instant) -> Vec<String> {
        match event {
            ProgressEvent::Info(text) => return vec![text.clone()],
            ProgressEvent::Operation { verb, total } => {
                // A second operation (the update after a deployment's jobs) starts afresh.
                if self.verb.is_some() {
                    *self = LiveView {
                        stack: self.stack.take(),
                        ..LiveView::new()
                    };
                }
                self.verb = Some(verb.clone());
                self.total = *total;
            }
            ProgressEvent::Resource {
                logical_id,
                description,
                resource_type,
                group,
                status,
                reason,
            } => {
                if resource_type == "AWS::CloudFormation::Stack" {
                    self.stack_status(logical_id, status);
                } else {
                    self.resource(
                        logical_id,
                        description,
                        resource_type,
                        group.as_deref(),
                        status,
                        reason.as_deref(),
                        now,
                    );
                }
            }
            ProgressEvent::Rollout {
                service,
                desired,
                running,
                pending,
                failed,
            } => {
                let text = rollout_text(*desired, *running, *pending, *failed);
                let index = self.row_for_description(service, now);
                self.rows[index].tasks = Some(text);
            }
            ProgressEvent::TaskStopped {
                service,
                task,
                reason,
            } => {
                let index = self.row_for_description(service, now);
                self.rows[index].reason = Some(format!("last stopped task: {reason}"));
                return vec![format!("{service}: task {task} stopped: {reason}")];
            }
            ProgressEvent::TaskLogs {
                service,
                task,
                lines,
            } => {
                let mut out = vec![format!("{service}: last log lines of task {task}:")];
                out.extend(lines.iter().map(|line| format!("  {line}")));
                return out;
            }
            ProgressEvent::Failure { resource, reason } => {
                // The failed row already says why; a cause no row shows is printed.
                let shown = self
                    .by_description
                    .get(resource)
                    .is_some_and(|&i| self.rows[i].reason.is_some());
                if !shown {
                    return vec![format!("✘ {resource} failed: {reason}")];
                }
            }
            ProgressEvent::Image { service, state } => self.image(service, state, now),
            ProgressEvent::BuildLog { .. } | ProgressEvent::Finished { .. } => {}
        }
        Vec::new()
    }

    fn stack_status(&mut self, name: &str, status: &str) {
        self.stack = Some(name.to_string());
        if status.contains("ROLLBACK_IN_PROGRESS") {
            self.rolling_back = true;
            self.verb = Some("Rolling back".into());
        } else if status == "DELETE_IN_PROGRESS" {
            self.verb = Some("Deleting".into());
        } else if self.verb.is_none() && status.ends_with("_IN_PROGRESS") {
            self.verb = Some(human_status(status).to_string());
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn resource(
        &mut self,
        logical_id: &str,
        description: &str,
        resource_type: &str,
        group: Option<&str>,
        status: &str,
        reason: Option<&str>,
        now: Instant,
    ) {
        let index = self.row(logical_id, description, group, now);
        let rolling_back = self.rolling_back;
        let row = &mut self.rows[index];
        row.is_service |= resource_type == "AWS::ECS::Service";
        row.last = now;
        let failed = status.ends_with("_FAILED");
        let in_progress = status.ends_with("_IN_PROGRESS");
        if failed {
            let cancelled = reason.is_some_and(|r| {
                let r = r.to_ascii_lowercase();
                r.contains("cancelled") || r.contains("canceled")
            });
            row.state = if cancelled {
                State::Cancelled
            } else {
                State::Failed
            };
            row.status = human_status(status).to_string();
            if let (Some(reason), false) = (reason, cancelled) {
                row.reason = Some(reason.to_string());
            }
            return;
        }
        if row.state == State::Failed {
            // The rollback puts a failed resource back: it stays the failure it was.
            row.rolled_back |= rolling_back;
            if rolling_back {
                let failed_as = row.status.split(',').next().unwrap_or_default().to_string();
                let now_text = if in_progress {
                    "rolling back"
                } else {
                    "rolled back"
                };
                row.status = format!("{failed_as}, {now_text}");
            }
            return;
        }
        row.state = if in_progress {
            State::Active
        } else {
            State::Done
        };
        if rolling_back {
            row.rolled_back = true;
            row.status = match (in_progress, status) {
                (true, _) => "Rolling back".into(),
                (false, "DELETE_COMPLETE") => "Removed (rolled back)".into(),
                (false, _) => "Rolled back".into(),
            };
        } else {
            row.status = human_status(status).to_string();
        }
    }

    fn image(&mut self, service: &str, state: &ImageState, now: Instant) {
        let key = format!("image:{service}");
        let index = self.row(&key, &format!("{service} image"), Some(service), now);
        let row = &mut self.rows[index];
        row.is_image = true;
        row.last = now;
        row.status = state.text();
        row.state = match state {
            ImageState::Failed => State::Failed,
            ImageState::Building | ImageState::Pushing { .. } => State::Active,
            _ => State::Done,
        };
    }

    /// The row of a resource, made when first seen.
    fn row(&mut self, key: &str, description: &str, group: Option<&str>, now: Instant) -> usize {
        if let Some(&index) = self.by_key.get(key) {
            return index;
        }
        let label = match group {
            Some(group) => description
                .strip_prefix(group)
                .and_then(|rest| rest.strip_prefix(' '))
                .unwrap_or(description)
                .to_string(),
            None => description.to_string(),
        };
        self.rows.push(Row {
            group: group.map(str::to_string),
            label,
            status: String::new(),
            state: State::Active,
            first: now,
            last: now,
            reason: None,
            tasks: None,
            rolled_back: false,
            is_service: false,
            is_image: false,
        });
        let index = self.rows.len() - 1;
        self.by_key.insert(key.to_string(), index);
        self.by_description.insert(description.to_string(), index);
        index
    }

    /// The row an ECS service's rollout or stopped task belongs to (services are named by their
    /// description there).
    fn row_for_description(&mut self, description: &str, now: Instant) -> usize {
        match self.by_description.get(description) {
            Some(&index) => index,
            None => {
                let index = self.row(&format!("rollout:{description}"), description, None, now);
                self.rows[index].is_service = true;
                index
            }
        }
    }

    /// The header: `[+] Updating app 12/30` (resources of the stack done, of those the operation
    /// changes); once finished, the stack's final status in words (`[+] Rolled back app 12/30`).
    /// Before any stack operation, only images move: `[+] Images 1/2`.
    fn header(&self, final_status: Option<&str>) -> String {
        let resources: Vec<&Row> = self.rows.iter().filter(|r| !r.is_image).collect();
        let (verb, finished, total) = match (&self.verb, &self.stack) {
            (None, None) => {
                let images: Vec<&Row> = self.rows.iter().filter(|r| r.is_image).collect();
                let done = images.iter().filter(|r| r.state != State::Active).count();
                ("Images".to_string(), done, images.len())
            }
            (verb, _) => {
                let verb = match final_status {
                    Some(status) => human_status(status).to_string(),
                    None => verb.clone().unwrap_or_else(|| "Deploying".into()),
                };
                let done = resources
                    .iter()
                    .filter(|r| r.state != State::Active)
                    .count();
                (verb, done, self.total.unwrap_or(0).max(resources.len()))
            }
        };
        let mut header = format!("[+] {verb}");
        if let Some(stack) = &self.stack {
            header.push_str(&format!(" {stack}"));
        }
        // Finished without a word from the resources (a stack that changed nothing we saw): a
        // count of 0 done would mislead.
        if total > 0 && !(final_status.is_some() && finished == 0) {
            header.push_str(&format!(" {finished}/{total}"));
        }
        header
    }

    /// The live frame for a terminal of `width` x `height`: never taller than `height - 1` lines
    /// (the cursor's line), never wider than `width`.
    pub fn frame(&self, width: usize, height: usize, now: Instant) -> Vec<String> {
        let spinner = SPINNER[(now_millis(now, self.start()) / 100) as usize % SPINNER.len()];
        let lines = self.lines(now, spinner, false);
        let budget = height.saturating_sub(2).max(1);
        let mut out = vec![self.header(None)];
        out.extend(layout(fit(lines, budget)));
        out.iter().map(|l| cut(l, width)).collect()
    }

    /// The last screen, once the operation ended: every service with its outcome, failures with
    /// their reasons; finished resources of the project collapse into a count when the terminal
    /// cannot hold them.
    pub fn summary(
        &self,
        final_status: &str,
        width: usize,
        height: usize,
        now: Instant,
    ) -> Vec<String> {
        let lines = self.lines(now, "-", true);
        let must = lines
            .iter()
            .filter(|l| l.priority <= Priority::ServiceDone)
            .count();
        let budget = height.saturating_sub(2).max(must + 1);
        let mut out = vec![self.header(Some(final_status))];
        out.extend(layout(fit(lines, budget)));
        out.iter().map(|l| cut(l, width)).collect()
    }

    fn start(&self) -> Instant {
        self.rows
            .iter()
            .map(|r| r.first)
            .min()
            .unwrap_or_else(Instant::now)
    }

    /// Every line the view could show, in order, before fitting.
    fn lines(&self, now: Instant, spinner: &str, finished: bool) -> Vec<Line> {
        let mut lines = Vec::new();
        let mut groups_done: Vec<&str> = Vec::new();
        for row in &self.rows {
            match &row.group {
                None => self.push_row(&mut lines, row, 0, now, spinner, finished),
                Some(group) if !groups_done.contains(&group.as_str()) => {
                    groups_done.push(group);
                    self.push_group(&mut lines, group, now, spinner, finished);
                }
                Some(_) => {}
            }
        }
        lines
    }

    fn push_row(
        &self,
        lines: &mut Vec<Line>,
        row: &Row,
        indent: usize,
        now: Instant,
        spinner: &str,
        finished: bool,
    ) {
        let (mark, priority) = mark(row.state, row.rolled_back, spinner, finished);
        lines.push(Line {
            text: vec![Cell::Row {
                indent,
                mark,
                label: row.label.clone(),
                status: row.status.clone(),
                elapsed: elapsed_text(row.elapsed(now)),
                detail: row.tasks.clone().unwrap_or_default(),
            }],
            priority,
        });
        if let Some(reason) = &row.reason {
            if matches!(row.state, State::Failed | State::Active) || row.is_service {
                let priority = if row.state == State::Failed {
                    Priority::Failed
                } else {
                    priority
                };
                lines.push(Line {
                    text: vec![Cell::Text(format!(
                        "{}  └ {reason}",
                        " ".repeat(indent * 3 + 1)
                    ))],
                    priority,
                });
            }
        }
    }

    /// A Compose service: one line for the whole of it, its resources under it while any of them
    /// is still moving or failed.
    fn push_group(
        &self,
        lines: &mut Vec<Line>,
        group: &str,
        now: Instant,
        spinner: &str,
        finished: bool,
    ) {
        let rows: Vec<&Row> = self
            .rows
            .iter()
            .filter(|r| r.group.as_deref() == Some(group))
            .collect();
        let state = if rows.iter().any(|r| r.state == State::Failed) {
            State::Failed
        } else if rows.iter().any(|r| r.state == State::Active) {
            State::Active
        } else {
            State::Done
        };
        let rolled_back = rows.iter().any(|r| r.rolled_back);
        let first = rows.iter().map(|r| r.first).min().unwrap_or(now);
        let last = rows.iter().map(|r| r.last).max().unwrap_or(now);
        let end = if state == State::Active { now } else { last };
        // The service's own status says most; without it (only an image so far), the latest news.
        let head = rows
            .iter()
            .find(|r| r.is_service)
            .or_else(|| rows.iter().max_by_key(|r| r.last))
            .copied();
        let folded = rows
            .iter()
            .filter(|r| r.state != State::Active && r.state != State::Failed)
            .count();
        let expanded = state != State::Done;
        let mut detail = head.and_then(|h| h.tasks.clone()).unwrap_or_default();
        if !expanded && rows.len() > 1 {
            if !detail.is_empty() {
                detail.push_str(", ");
            }
            detail.push_str(&format!("{} resources", rows.len()));
        } else if expanded && folded > 0 {
            if !detail.is_empty() {
                detail.push_str(", ");
            }
            detail.push_str(&format!("{folded} done"));
        }
        let (mark, priority) = mark(state, rolled_back, spinner, finished);
        let status = match state {
            State::Failed => "Failed".to_string(),
            _ => head.map(|h| h.status.clone()).unwrap_or_default(),
        };
        lines.push(Line {
            text: vec![Cell::Row {
                indent: 0,
                mark,
                label: group.to_string(),
                status,
                elapsed: elapsed_text(end.saturating_duration_since(first)),
                detail,
            }],
            priority: match priority {
                Priority::Done => Priority::ServiceDone,
                Priority::Active => Priority::Service,
                other => other,
            },
        });
        if !expanded {
            return;
        }
        let shown: Vec<&Row> = rows
            .into_iter()
            .filter(|r| matches!(r.state, State::Active | State::Failed))
            .collect();
        match shown.as_slice() {
            // Only the ECS service still works: the service's line says it all; why its last task
            // stopped goes under it.
            [only] if only.is_service && only.state == State::Active => {
                if let Some(reason) = &only.reason {
                    lines.push(Line {
                        text: vec![Cell::Text(format!("   └ {reason}"))],
                        priority: Priority::Active,
                    });
                }
            }
            _ => {
                for row in shown {
                    self.push_row(lines, row, 1, now, spinner, finished);
                }
            }
        }
    }
}

fn mark(state: State, rolled_back: bool, spinner: &str, finished: bool) -> (String, Priority) {
    match state {
        State::Failed => ("✘".into(), Priority::Failed),
        State::Active if finished => ("-".into(), Priority::Active),
        State::Active => (spinner.to_string(), Priority::Active),
        State::Cancelled => ("-".into(), Priority::Done),
        State::Done if rolled_back => ("↺".into(), Priority::Done),
        State::Done => ("✔".into(), Priority::Done),
    }
}

/// Keep what matters within `budget` lines: finished resources of the project collapse into a
/// count first, then finished services, then the last in-progress resources, then the last
/// in-progress services; failures stay.
fn fit(lines: Vec<Line>, budget: usize) -> Vec<Cell> {
    if lines.len() <= budget {
        return lines.into_iter().flat_map(|l| l.text).collect();
    }
    let mut keep: Vec<bool> = vec![true; lines.len()];
    let mut dropped_done = 0;
    let mut dropped_services = 0;
    let mut dropped_active = 0;
    let shown = |keep: &[bool]| keep.iter().filter(|k| **k).count();
    let extra = |d: usize, s: usize, a: usize| usize::from(d + s > 0) + usize::from(a > 0);
    for priority in [
        Priority::Done,
        Priority::ServiceDone,
        Priority::Active,
        Priority::Service,
    ] {
        // From the bottom up: the oldest lines are at the top, the newest news at the bottom.
        for i in (0..lines.len()).rev() {
            if shown(&keep) + extra(dropped_done, dropped_services, dropped_active) <= budget {
                break;
            }
            if keep[i] && lines[i].priority == priority {
                keep[i] = false;
                match priority {
                    Priority::Done => dropped_done += 1,
                    Priority::ServiceDone => dropped_services += 1,
                    _ => dropped_active += 1,
                }
            }
        }
    }
    let mut out = Vec::new();
    if dropped_done + dropped_services > 0 {
        let mut parts = Vec::new();
        if dropped_services > 0 {
            parts.push(plural(dropped_services, "service"));
        }
        if dropped_done > 0 {
            parts.push(plural(dropped_done, "resource"));
        }
        out.push(Cell::Text(format!("✔ {} done", parts.join(" and "))));
    }
    for (line, keep) in lines.into_iter().zip(&keep) {
        if *keep {
            out.extend(line.text);
        }
    }
    if dropped_active > 0 {
        out.push(Cell::Text(format!("… {dropped_active} more in progress")));
    }
    out
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// Lines in columns: labels, statuses and elapsed times aligned.
fn layout(cells: Vec<Cell>) -> Vec<String> {
    let label_width = cells
        .iter()
        .filter_map(|c| match c {
            Cell::Row { indent, label, .. } => {
                Some(indent * 3 + console::measure_text_width(label))
            }
            Cell::Text(_) => None,
        })
        .max()
        .unwrap_or(0)
        .min(MAX_LABEL);
    let status_width = cells
        .iter()
        .filter_map(|c| match c {
            Cell::Row { status, .. } => Some(console::measure_text_width(status)),
            Cell::Text(_) => None,
        })
        .max()
        .unwrap_or(0)
        .min(MAX_STATUS);
    cells
        .into_iter()
        .map(|cell| match cell {
            Cell::Text(text) => format!(" {text}"),
            Cell::Row {
                indent,
                mark,
                label,
                status,
                elapsed,
                detail,
            } => {
                let pad = " ".repeat(indent * 3);
                let label = pad_to(&label, label_width.saturating_sub(indent * 3));
                let status = pad_to(&status, status_width);
                let mut line = format!(" {pad}{mark} {label}  {status} {elapsed:>6}");
                if !detail.is_empty() {
                    line.push_str(&format!("  {detail}"));
                }
                line
            }
        })
        .collect()
}

/// `text` cut or padded to exactly `width` columns.
fn pad_to(text: &str, width: usize) -> String {
    let cut = console::truncate_str(text, width, "…");
    console::pad_str(&cut, width, console::Alignment::Left, None).into_owned()
}

fn cut(line: &str, width: usize) -> String {
    console::truncate_str(line, width, "…")
        .trim_end()
        .to_string()
}

/// `36s`, `1m12s`, `1h02m`.
pub fn elapsed_text(elapsed: Duration) -> String {
    let secs = elapsed.as_secs();
    match secs {
        0..=59 => format!("{secs}s"),
        60..=3599 => format!("{}m{:02}s", secs / 60, secs % 60),
        _ => format!("{}h{:02}m", secs / 3600, (secs % 3600) / 60),
    }
}

fn now_millis(now: Instant, start: Instant) -> u128 {
    now.saturating_duration_since(start).as_millis()
}

#[cfg(test)]
mod tests;
