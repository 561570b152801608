//! `logs`: the project's CloudWatch Logs. Every container logs to the group `/docker-compose/<project>`
//! with stream prefix `<project>`, so streams are `<project>/<container>/<task-id>`; the container is
//! a Compose service or an init container named `<service>_<suffix>` (hidden unless asked).
//!
//! Lines are named after their task as `ps` names it, compose-style: `worker-1`, `worker-2` (an init
//! container's `<container>-<n>`, with its task's number). The numbers come from `ps`
//! ([`LogSelection::with_replicas`]); a task ECS no longer lists (stopped over an hour ago) gets the
//! next free number of its service, in the order its lines first appear, for the whole command.
//! `--tail N` is per task: the last N lines of each container of each task.
//!
//! [`fetch`] reads a time window with FilterLogEvents, or with `--tail N` the last N events of each
//! stream with GetLogEvents (so a long history is not read); [`follow`] prints that, then polls
//! FilterLogEvents for new events until the caller drops it (Ctrl-C), waiting longer while AWS
//! throttles us.

use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use aws_sdk_cloudwatchlogs::Client as Logs;

use crate::Error;

/// The log group of a project's containers.
pub fn log_group(project: &str) -> String {
    format!("/docker-compose/{project}")
}

/// Which containers' logs to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSelection {
    project: String,
    /// Every Compose service of the project, in colour order.
    services: Vec<String>,
    /// The services asked for; empty means all.
    selected: Vec<String>,
    init_containers: bool,
    /// Task id -> (Compose service, number), as `ps` numbers the tasks ECS lists.
    replicas: BTreeMap<String, (String, usize)>,
}

impl LogSelection {
    /// `selected` names must be services of the project.
    pub fn new(
        project: &str,
        services: Vec<String>,
        selected: Vec<String>,
        init_containers: bool,
    ) -> Result<Self, Error> {
        let unknown: Vec<&str> = selected
            .iter()
            .filter(|s| !services.contains(s))
            .map(String::as_str)
            .collect();
        if !unknown.is_empty() {
            return Err(Error::InvalidArgument(format!(
                "no such service in project {project}: {} (services: {})",
                unknown.join(", "),
                if services.is_empty() {
                    "none".to_string()
                } else {
                    services.join(", ")
                }
            )));
        }
        Ok(LogSelection {
            project: project.to_string(),
            services,
            selected,
            init_containers,
            replicas: BTreeMap::new(),
        })
    }

    /// Name tasks by these numbers (task id -> service and number, from `ps::replica_numbers`).
    pub fn with_replicas(mut self, replicas: BTreeMap<String, (String, usize)>) -> Self {
        self.replicas = replicas;
        self
    }

    /// The names the shown services' known tasks print under (`web-1`, `web-2`), for the prefix
    /// width; the service names when no task is known.
    pub fn shown_names(&self) -> Vec<String> {
        let shown = self.shown_services();
        let names: Vec<String> = self
            .replicas
            .values()
            .filter(|(service, _)| shown.contains(service))
            .map(|(service, number)| format!("{service}-{number}"))
            .collect();
        if names.is_empty() {
            shown.to_vec()
        } else {
            names
        }
    }

    /// The Compose service an event's container belongs to (its colour index says), or the
    /// container itself when it belongs to none.
    fn owner_of(&self, colour_index: usize, container: &str) -> String {
        self.services
            .get(colour_index)
            .cloned()
            .unwrap_or_else(|| container.to_string())
    }

    /// The narrowest stream name prefix covering the selection.
    pub fn stream_prefix(&self) -> String {
        match self.selected.as_slice() {
            [one] if self.init_containers => format!("{}/{}", self.project, container_name(one)),
            [one] => format!("{}/{}/", self.project, container_name(one)),
            _ => format!("{}/", self.project),
        }
    }

    /// The names the prefix will show at first (init containers are only known once seen).
    pub fn shown_services(&self) -> &[String] {
        if self.selected.is_empty() {
            &self.services
        } else {
            &self.selected
        }
    }

    /// The name to show for a stream (the Compose service, or the init container's name) and its
    /// colour index, when the selection shows it.
    pub fn classify(&self, stream: &str) -> Option<(String, usize)> {
        let rest = stream.strip_prefix(&self.project)?.strip_prefix('/')?;
        let (container, _task) = rest.split_once('/')?;
        let (owner, is_init) = match self.owner(container) {
            Some((index, is_init)) => (Some(index), is_init),
            None => (None, true),
        };
        if is_init && !self.init_containers {
            return None;
        }
        if !self.selected.is_empty()
            && !owner.is_some_and(|i| self.selected.contains(&self.services[i]))
        {
            return None;
        }
        match owner {
            Some(index) if !is_init => Some((self.services[index].clone(), index)),
            Some(index) => Some((container.to_string(), index)),
            None => Some((container.to_string(), self.services.len())),
        }
    }

    /// The index of the service a container belongs to, and whether it is one of its init
    /// containers: the main container is named after the service, an init container extends that
    /// name with `_` or `-` (`web_Secrets_InitContainer`); the longest match wins.
    fn owner(&self, container: &str) -> Option<(usize, bool)> {
        let names: Vec<String> = self.services.iter().map(|s| container_name(s)).collect();
        if let Some(index) = names.iter().position(|n| n == container) {
            return Some((index, false));
        }
        names
            .iter()
            .enumerate()
            .filter(|(_, name)| {
                container
                    .strip_prefix(name.as_str())
                    .is_some_and(|rest| rest.starts_with('_') || rest.starts_with('-'))
            })
            .max_by_key(|(_, name)| name.len())
            .map(|(index, _)| (index, true))
    }
}

/// Container name -> (log group, stream prefix) for the containers that log with awslogs.
pub(crate) fn log_destinations(
    containers: &[aws_sdk_ecs::types::ContainerDefinition],
) -> HashMap<String, (String, String)> {
    containers
        .iter()
        .filter_map(|c| {
            let config = c.log_configuration()?;
            if config.log_driver().as_str() != "awslogs" {
                return None;
            }
            let options = config.options()?;
            Some((
                c.name()?.to_string(),
                (
                    options.get("awslogs-group")?.clone(),
                    options.get("awslogs-stream-prefix")?.clone(),
                ),
            ))
        })
        .collect()
}

/// The container (and log stream) name of a Compose service: ECS allows only letters, digits, `_`
/// and `-`, so other characters (a `.` in `api.v2`) become `-`.
pub fn container_name(service: &str) -> String {
    service
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// A log event of a shown container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEvent {
    /// Identity of the event (stream, timestamp and message): follow mode prints each once.
    pub id: String,
    pub timestamp_ms: i64,
    /// The name printed before the line: the container's and its task's number (`web-2`).
    pub container: String,
    pub colour_index: usize,
    pub message: String,
    /// The log stream (one container of one task).
    pub stream: String,
}

impl LogEvent {
    /// The task id, the last part of the stream name.
    fn task(&self) -> &str {
        self.stream.rsplit('/').next().unwrap_or_default()
    }
}

/// The numbers of the tasks named so far: `ps`'s, then the next free one of a service for a task
/// ECS no longer lists, kept for the whole command so a name never changes while following.
#[derive(Debug, Clone, Default)]
struct ReplicaNames {
    /// (owner, task id) -> number.
    numbers: HashMap<(String, String), usize>,
    /// Owner -> highest number given.
    highest: HashMap<String, usize>,
}

impl ReplicaNames {
    fn new(selection: &LogSelection) -> Self {
        let mut names = ReplicaNames::default();
        for (task, (service, number)) in &selection.replicas {
            names
                .numbers
                .insert((service.clone(), task.clone()), *number);
            let highest = names.highest.entry(service.clone()).or_default();
            *highest = (*highest).max(*number);
        }
        names
    }

    /// Rename events (oldest first) from their container to `<container>-<n>`.
    fn apply(&mut self, selection: &LogSelection, events: &mut [LogEvent]) {
        for event in events {
            let owner = selection.owner_of(event.colour_index, &event.container);
            let key = (owner.clone(), event.task().to_string());
            let number = match self.numbers.get(&key) {
                Some(number) => *number,
                None => {
                    let highest = self.highest.entry(owner).or_default();
                    *highest += 1;
                    self.numbers.insert(key, *highest);
                    *highest
                }
            };
            event.container = format!("{}-{number}", event.container);
        }
    }
}

/// The time window and amount to read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LogWindow {
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    /// Last N events per container.
    pub tail: Option<usize>,
}

/// How long to wait between polls in follow mode, and at most while throttled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Polling {
    pub interval: Duration,
    pub max_backoff: Duration,
}

impl Default for Polling {
    fn default() -> Self {
        Polling {
            interval: Duration::from_secs(2),
            max_backoff: Duration::from_secs(30),
        }
    }
}

/// Events arriving late in CloudWatch can carry a timestamp slightly before the newest one we
/// printed: each poll looks back this far and skips the events it has already seen.
const LOOKBACK_MS: i64 = 10_000;
/// Non-follow reads retry throttling this many times before giving up.
const MAX_THROTTLED_RETRIES: u32 = 8;

/// Read the events of the window, oldest first; with a tail, only the last `tail` per container,
/// read from the end of each stream rather than from the start of the history.
pub async fn fetch(
    logs: &Logs,
    selection: &LogSelection,
    window: LogWindow,
    polling: Polling,
) -> Result<Vec<LogEvent>, Error> {
    let mut events = read_tail(
        logs,
        selection,
        window,
        polling,
        Some(MAX_THROTTLED_RETRIES),
    )
    .await?;
    ReplicaNames::new(selection).apply(selection, &mut events);
    Ok(events)
}

/// With `--tail N`, the last N events of each stream (GetLogEvents from the end, one call per
/// stream) instead of the whole history; without, every event of the window.
async fn read_tail(
    logs: &Logs,
    selection: &LogSelection,
    window: LogWindow,
    polling: Polling,
    max_retries: Option<u32>,
) -> Result<Vec<LogEvent>, Error> {
    let Some(tail) = window.tail else {
        return read_window(
            logs,
            selection,
            window.start_ms,
            window.end_ms,
            polling,
            max_retries,
        )
        .await;
    };
    let retry = Retry {
        polling,
        max_retries,
        group: log_group(&selection.project),
    };
    let mut events = Vec::new();
    if tail == 0 {
        return Ok(events);
    }
    for stream in streams(logs, selection, window, &retry).await? {
        let Some((container, colour_index)) = selection.classify(&stream) else {
            continue;
        };
        // One call per stream: GetLogEvents returns at most 10,000 events, so a larger tail is
        // capped there.
        let page = retry
            .run(|| async {
                let result = logs
                    .get_log_events()
                    .log_group_name(&retry.group)
                    .log_stream_name(&stream)
                    .start_from_head(false)
                    .limit(i32::try_from(tail.min(10_000)).unwrap_or(10_000))
                    .set_start_time(window.start_ms)
                    .set_end_time(window.end_ms)
                    .send()
                    .await;
                classify_error(&retry.group, result)
            })
            .await?;
        for event in page.events() {
            let timestamp_ms = event.timestamp().unwrap_or_default();
            let message = event.message().unwrap_or_default();
            events.push(LogEvent {
                id: event_identity(&stream, timestamp_ms, message),
                timestamp_ms,
                container: container.clone(),
                colour_index,
                message: message.to_string(),
                stream: stream.clone(),
            });
        }
    }
    events.sort_by_key(|e| e.timestamp_ms);
    Ok(keep_last_per_stream(events, tail))
}

/// The project's streams the selection shows that have events in the window.
async fn streams(
    logs: &Logs,
    selection: &LogSelection,
    window: LogWindow,
    retry: &Retry,
) -> Result<Vec<String>, Error> {
    let prefix = selection.stream_prefix();
    let mut names = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = retry
            .run(|| async {
                let result = logs
                    .describe_log_streams()
                    .log_group_name(&retry.group)
                    .log_stream_name_prefix(&prefix)
                    .set_next_token(token.clone())
                    .send()
                    .await;
                classify_error(&retry.group, result)
            })
            .await?;
        for stream in page.log_streams() {
            let Some(name) = stream.log_stream_name() else {
                continue;
            };
            let ends_before = matches!(
                (stream.last_event_timestamp(), window.start_ms),
                (Some(last), Some(start)) if last < start
            );
            let starts_after = matches!(
                (stream.first_event_timestamp(), window.end_ms),
                (Some(first), Some(end)) if first > end
            );
            if !ends_before && !starts_after && selection.classify(name).is_some() {
                names.push(name.to_string());
            }
        }
        match page.next_token() {
            Some(next) if !next.is_empty() && Some(next) != token.as_deref() => {
                token = Some(next.to_string())
            }
            _ => return Ok(names),
        }
    }
}

/// What makes two events the same: GetLogEvents gives no event id, so the stream, the timestamp and
/// the message stand in for it (follow mode uses it to print each event once).
fn event_identity(stream: &str, timestamp_ms: i64, message: &str) -> String {
    format!("{stream}\u{0}{timestamp_ms}\u{0}{message}")
}

/// Print the window, then keep printing new events until `end_ms` passes or the caller drops the
/// future. Throttling makes the next poll wait longer (doubling up to `max_backoff`), never fails.
pub async fn follow(
    logs: &Logs,
    selection: &LogSelection,
    window: LogWindow,
    polling: Polling,
    emit: &mut (dyn FnMut(&LogEvent) -> Result<(), Error> + Send),
) -> Result<(), Error> {
    let mut names = ReplicaNames::new(selection);
    let mut first = read_tail(logs, selection, window, polling, None).await?;
    names.apply(selection, &mut first);
    let mut cursor = Cursor::new(window.start_ms.unwrap_or_else(now_ms));
    for event in &first {
        emit(event)?;
    }
    cursor.note(&first);
    // Older events left out by --tail must not come back with the polls' lookback.
    let floor_ms = match window.tail {
        Some(_) => first
            .iter()
            .map(|e| e.timestamp_ms)
            .max()
            .unwrap_or(i64::MIN),
        None => i64::MIN,
    };
    loop {
        tokio::time::sleep(polling.interval).await;
        let past_end = window.end_ms.is_some_and(|end| now_ms() > end);
        let from = cursor
            .latest_ms
            .saturating_sub(LOOKBACK_MS)
            .max(window.start_ms.unwrap_or(i64::MIN));
        let events = read_window(logs, selection, Some(from), window.end_ms, polling, None).await?;
        let mut fresh: Vec<LogEvent> = events
            .into_iter()
            .filter(|e| e.timestamp_ms >= floor_ms && !cursor.seen(e))
            .collect();
        names.apply(selection, &mut fresh);
        for event in &fresh {
            emit(event)?;
        }
        cursor.note(&fresh);
        if past_end {
            return Ok(());
        }
    }
}

/// Where follow mode stands: the newest timestamp printed and the events printed near it.
struct Cursor {
    latest_ms: i64,
    recent: HashMap<String, i64>,
}

impl Cursor {
    fn new(latest_ms: i64) -> Self {
        Cursor {
            latest_ms,
            recent: HashMap::new(),
        }
    }

    fn seen(&self, event: &LogEvent) -> bool {
        self.recent.contains_key(&event.id)
    }

    fn note(&mut self, events: &[LogEvent]) {
        for event in events {
            self.latest_ms = self.latest_ms.max(event.timestamp_ms);
            self.recent.insert(event.id.clone(), event.timestamp_ms);
        }
        let horizon = self.latest_ms.saturating_sub(LOOKBACK_MS);
        self.recent.retain(|_, ts| *ts >= horizon);
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// All pages of FilterLogEvents over the window, shown containers only, sorted by timestamp.
/// Throttled pages are retried after a growing pause (`max_retries` times, or forever when `None`).
async fn read_window(
    logs: &Logs,
    selection: &LogSelection,
    start_ms: Option<i64>,
    end_ms: Option<i64>,
    polling: Polling,
    max_retries: Option<u32>,
) -> Result<Vec<LogEvent>, Error> {
    let retry = Retry {
        polling,
        max_retries,
        group: log_group(&selection.project),
    };
    let prefix = selection.stream_prefix();
    let mut events = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = retry
            .run(|| async {
                let result = logs
                    .filter_log_events()
                    .log_group_name(&retry.group)
                    .log_stream_name_prefix(&prefix)
                    .set_start_time(start_ms)
                    .set_end_time(end_ms)
                    .set_next_token(token.clone())
                    .send()
                    .await;
                classify_error(&retry.group, result)
            })
            .await?;
        for event in page.events() {
            let Some(stream) = event.log_stream_name() else {
                continue;
            };
            let Some((container, colour_index)) = selection.classify(stream) else {
                continue;
            };
            let timestamp_ms = event.timestamp().unwrap_or_default();
            let message = event.message().unwrap_or_default();
            events.push(LogEvent {
                id: event_identity(stream, timestamp_ms, message),
                timestamp_ms,
                container,
                colour_index,
                message: message.to_string(),
                stream: stream.to_string(),
            });
        }
        match page.next_token() {
            Some(next) if !next.is_empty() && Some(next) != token.as_deref() => {
                token = Some(next.to_string())
            }
            _ => break,
        }
    }
    events.sort_by_key(|e| e.timestamp_ms);
    Ok(events)
}

struct Throttled;

/// Calls to one log group, repeated after a growing pause while CloudWatch Logs throttles us
/// (`max_retries` times, or forever when `None`).
struct Retry {
    polling: Polling,
    max_retries: Option<u32>,
    group: String,
}

impl Retry {
    async fn run<T, F, Fut>(&self, mut call: F) -> Result<T, Error>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<Result<T, Throttled>, Error>>,
    {
        let mut backoff = self.polling.interval;
        let mut retries = 0;
        loop {
            match call().await? {
                Ok(value) => return Ok(value),
                Err(Throttled) => {
                    retries += 1;
                    if self.max_retries.is_some_and(|max| retries > max) {
                        return Err(Error::aws_answer(
                            format!("reading log group {}", self.group),
                            "still throttled by CloudWatch Logs after several retries",
                        ));
                    }
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(self.polling.max_backoff);
                }
            }
        }
    }
}

/// Throttling is worth a retry, a missing group is the app not being deployed, anything else fails.
fn classify_error<T, E>(group: &str, result: Result<T, E>) -> Result<Result<T, Throttled>, Error>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match result {
        Ok(value) => Ok(Ok(value)),
        Err(err) if crate::error::is_throttling(&err) => Ok(Err(Throttled)),
        Err(err) if err.code() == Some("ResourceNotFoundException") => {
            Err(Error::Precondition(format!(
                "log group {group} does not exist: is the application deployed (`docker ecs up`)?"
            )))
        }
        Err(err) => Err(Error::aws(format!("reading log group {group}"), err)),
    }
}

/// Keep the last `tail` events of each stream (one container of one task), in the original order.
pub fn keep_last_per_stream(events: Vec<LogEvent>, tail: usize) -> Vec<LogEvent> {
    let mut remaining: HashMap<String, usize> = HashMap::new();
    for event in &events {
        *remaining.entry(event.stream.clone()).or_default() += 1;
    }
    let mut kept = Vec::new();
    for event in events {
        let Some(left) = remaining.get_mut(&event.stream) else {
            continue;
        };
        if *left <= tail {
            kept.push(event);
        } else {
            *left -= 1;
        }
    }
    kept
}

/// The distinct containers of a list of events, in order of appearance (for the prefix width).
pub fn containers(events: &[LogEvent]) -> Vec<&str> {
    let mut seen = HashSet::new();
    events
        .iter()
        .map(|e| e.container.as_str())
        .filter(|c| seen.insert(*c))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn selection(selected: &[&str], init: bool) -> LogSelection {
        LogSelection::new(
            "demo",
            vec!["db".into(), "web".into(), "web-admin".into()],
            selected.iter().map(|s| s.to_string()).collect(),
            init,
        )
        .unwrap()
    }

    fn event(container: &str, ts: i64) -> LogEvent {
        LogEvent {
            id: format!("{container}-{ts}"),
            timestamp_ms: ts,
            container: container.into(),
            colour_index: 0,
            message: String::new(),
            stream: format!("demo/{container}/task"),
        }
    }

    fn task_event(container: &str, colour_index: usize, task: &str, ts: i64) -> LogEvent {
        LogEvent {
            id: format!("{container}-{task}-{ts}"),
            timestamp_ms: ts,
            container: container.into(),
            colour_index,
            message: String::new(),
            stream: format!("demo/{container}/{task}"),
        }
    }

    #[test]
    fn tasks_are_named_by_their_ps_number_and_unknown_ones_after() {
        let selection = selection(&[], true).with_replicas(BTreeMap::from([
            ("t-old".to_string(), ("web".to_string(), 2)),
            ("t-new".to_string(), ("web".to_string(), 1)),
        ]));
        let mut names = ReplicaNames::new(&selection);
        let mut events = vec![
            task_event("web", 1, "t-gone", 1),
            task_event("web", 1, "t-old", 2),
            task_event("web_secrets", 1, "t-new", 3),
            task_event("db", 0, "t-db", 4),
            task_event("web", 1, "t-gone", 5),
        ];
        names.apply(&selection, &mut events);
        let shown: Vec<&str> = events.iter().map(|e| e.container.as_str()).collect();
        assert_eq!(shown, ["web-3", "web-2", "web_secrets-1", "db-1", "web-3"]);
        // Later events keep the names given, and a new unknown task gets the next number.
        let mut later = vec![
            task_event("web", 1, "t-gone", 6),
            task_event("web", 1, "t-later", 7),
        ];
        names.apply(&selection, &mut later);
        let shown: Vec<&str> = later.iter().map(|e| e.container.as_str()).collect();
        assert_eq!(shown, ["web-3", "web-4"]);
        assert_eq!(selection.shown_names(), ["web-1", "web-2"]);
    }

    #[test]
    fn tail_keeps_the_last_events_of_each_task() {
        let events = vec![
            task_event("web", 0, "a", 1),
            task_event("web", 0, "b", 2),
            task_event("web", 0, "a", 3),
            task_event("web", 0, "b", 4),
            task_event("web", 0, "a", 5),
        ];
        let kept: Vec<(String, i64)> = keep_last_per_stream(events, 1)
            .into_iter()
            .map(|e| (e.task().to_string(), e.timestamp_ms))
            .collect();
        assert_eq!(kept, [("b".to_string(), 4), ("a".to_string(), 5)]);
    }

    #[test]
    fn unknown_services_are_a_clear_error() {
        let err = LogSelection::new(
            "demo",
            vec!["db".into(), "web".into()],
            vec!["api".into()],
            false,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "no such service in project demo: api (services: db, web)"
        );
    }

    #[test]
    fn services_with_characters_ecs_refuses_log_under_their_container_name() {
        let selection = LogSelection::new(
            "demo",
            vec!["api.v2".into(), "web".into()],
            vec!["api.v2".into()],
            true,
        )
        .unwrap();
        assert_eq!(selection.stream_prefix(), "demo/api-v2");
        assert_eq!(
            selection.classify("demo/api-v2/abc"),
            Some(("api.v2".into(), 0))
        );
        assert_eq!(
            selection.classify("demo/api-v2_Secrets_InitContainer/abc"),
            Some(("api-v2_Secrets_InitContainer".into(), 0))
        );
        assert_eq!(selection.classify("demo/web/abc"), None);
    }

    #[test]
    fn stream_prefixes_narrow_to_one_service() {
        assert_eq!(selection(&[], false).stream_prefix(), "demo/");
        assert_eq!(selection(&["web"], false).stream_prefix(), "demo/web/");
        assert_eq!(selection(&["web"], true).stream_prefix(), "demo/web");
        assert_eq!(selection(&["web", "db"], false).stream_prefix(), "demo/");
    }

    #[test]
    fn init_containers_are_hidden_unless_asked_and_take_their_service_colour() {
        let all = selection(&[], false);
        assert_eq!(all.classify("demo/web/abc"), Some(("web".into(), 1)));
        assert_eq!(
            all.classify("demo/web-admin/abc"),
            Some(("web-admin".into(), 2))
        );
        assert_eq!(all.classify("demo/web_secrets/abc"), None);
        assert_eq!(all.classify("other/web/abc"), None);
        assert_eq!(all.classify("demo/web"), None);

        let with_init = selection(&[], true);
        assert_eq!(
            with_init.classify("demo/web_secrets/abc"),
            Some(("web_secrets".into(), 1))
        );
        // `web-admin_init` belongs to the longest matching service.
        assert_eq!(
            with_init.classify("demo/web-admin_init/abc"),
            Some(("web-admin_init".into(), 2))
        );
        // A container of no known service gets the colour after the services'.
        assert_eq!(
            with_init.classify("demo/sidecar/abc"),
            Some(("sidecar".into(), 3))
        );

        let only_web = selection(&["web"], true);
        assert_eq!(
            only_web.classify("demo/web_init/abc"),
            Some(("web_init".into(), 1))
        );
        assert_eq!(only_web.classify("demo/web-admin/abc"), None);
        assert_eq!(only_web.classify("demo/db/abc"), None);
        assert_eq!(only_web.classify("demo/sidecar/abc"), None);
    }

    #[test]
    fn tail_keeps_the_last_events_of_each_stream_in_order() {
        let events = vec![
            event("web", 1),
            event("db", 2),
            event("web", 3),
            event("web", 4),
            event("db", 5),
            event("db", 6),
        ];
        let kept: Vec<String> = keep_last_per_stream(events.clone(), 2)
            .into_iter()
            .map(|e| e.id)
            .collect();
        assert_eq!(kept, ["web-3", "web-4", "db-5", "db-6"]);
        assert!(keep_last_per_stream(events.clone(), 0).is_empty());
        assert_eq!(keep_last_per_stream(events, 10).len(), 6);
    }

    #[test]
    fn cursor_skips_events_already_printed() {
        let mut cursor = Cursor::new(0);
        cursor.note(&[event("web", 100_000), event("web", 95_000)]);
        assert_eq!(cursor.latest_ms, 100_000);
        assert!(cursor.seen(&event("web", 100_000)));
        assert!(cursor.seen(&event("web", 95_000)));
        cursor.note(&[event("web", 120_000)]);
        // Older than the lookback horizon: forgotten (a poll never asks for it again).
        assert!(!cursor.seen(&event("web", 100_000)));
    }
}
