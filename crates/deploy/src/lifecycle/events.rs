//! The stack's event feed: DescribeStackEvents paged back to where the operation started, each event
//! handed out once, oldest first.

use crate::error::AwsContext;
use std::collections::HashSet;

use aws_sdk_cloudformation::types::StackEvent;
use aws_sdk_cloudformation::Client;
use aws_smithy_types::DateTime;

use crate::stack::Throttled;
use crate::Error;

/// One stack event, in the terms the progress view needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub id: String,
    pub logical_id: String,
    pub physical_id: Option<String>,
    pub resource_type: String,
    pub status: String,
    pub reason: Option<String>,
    pub timestamp: DateTime,
    /// The ClientRequestToken of the call that started the operation, when it sent one.
    pub token: Option<String>,
}

impl Event {
    fn from_sdk(event: &StackEvent) -> Option<Self> {
        Some(Event {
            id: event.event_id()?.to_string(),
            logical_id: event.logical_resource_id().unwrap_or_default().to_string(),
            physical_id: event
                .physical_resource_id()
                .filter(|id| !id.is_empty())
                .map(str::to_string),
            resource_type: event.resource_type().unwrap_or_default().to_string(),
            status: event
                .resource_status()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            reason: event
                .resource_status_reason()
                .filter(|r| !r.is_empty())
                .map(str::to_string),
            timestamp: event.timestamp().copied().unwrap_or(DateTime::from_secs(0)),
            token: event
                .client_request_token()
                .filter(|t| !t.is_empty())
                .map(str::to_string),
        })
    }

    /// The stack's own events (its status changes), as opposed to its resources'.
    pub fn is_stack(&self) -> bool {
        self.resource_type == "AWS::CloudFormation::Stack"
    }

    pub fn is_failure(&self) -> bool {
        self.status.ends_with("_FAILED")
    }

    /// A failure that explains something: not the stack's summary, and not a resource that was only
    /// cancelled because another one failed.
    pub fn is_root_cause(&self) -> bool {
        if !self.is_failure() || self.is_stack() {
            return false;
        }
        match &self.reason {
            None => false,
            Some(reason) => {
                let reason = reason.to_ascii_lowercase();
                !(reason.contains("cancelled") || reason.contains("canceled"))
            }
        }
    }
}

/// New events of one stack since an operation started.
#[derive(Debug)]
pub struct EventFeed {
    stack: String,
    /// Events older than this belong to earlier operations.
    since: Option<DateTime>,
    seen: HashSet<String>,
}

impl EventFeed {
    /// Everything the stack has is new (a stack this operation creates).
    pub fn all(stack_id: impl Into<String>) -> Self {
        EventFeed {
            stack: stack_id.into(),
            since: None,
            seen: HashSet::new(),
        }
    }

    /// Only events after those that exist now (an update or delete of an existing stack).
    pub async fn after_current(cf: &Client, stack_id: &str) -> Result<Self, Error> {
        let out = cf
            .describe_stack_events()
            .stack_name(stack_id)
            .send()
            .await
            .with_context(|| format!("reading the events of stack {stack_id}"))?;
        let existing: Vec<Event> = out
            .stack_events()
            .iter()
            .filter_map(Event::from_sdk)
            .collect();
        Ok(EventFeed {
            stack: stack_id.to_string(),
            since: existing.iter().map(|e| e.timestamp).max(),
            seen: existing.into_iter().map(|e| e.id).collect(),
        })
    }

    /// The events not handed out yet, oldest first.
    pub async fn poll(&mut self, cf: &Client) -> Result<Result<Vec<Event>, Throttled>, Error> {
        let mut newest_first = Vec::new();
        let mut next_token: Option<String> = None;
        loop {
            let out = match cf
                .describe_stack_events()
                .stack_name(&self.stack)
                .set_next_token(next_token.clone())
                .send()
                .await
            {
                Ok(out) => out,
                Err(err) if crate::error::is_throttling(&err) => return Ok(Err(Throttled)),
                Err(err) => {
                    return Err(Error::aws(
                        format!("reading the events of stack {}", self.stack),
                        err,
                    ))
                }
            };
            let page: Vec<Event> = out
                .stack_events()
                .iter()
                .filter_map(Event::from_sdk)
                .collect();
            let reached_known = self.take_new(page, &mut newest_first);
            next_token = out.next_token().map(str::to_string);
            if reached_known || next_token.is_none() {
                break;
            }
        }
        newest_first.reverse();
        for event in &newest_first {
            self.seen.insert(event.id.clone());
        }
        Ok(Ok(newest_first))
    }

    /// Move the page's unseen events of this operation into `out`; true once the page reaches events
    /// we already know or that are older than the operation (no need to read further pages).
    fn take_new(&self, page: Vec<Event>, out: &mut Vec<Event>) -> bool {
        let mut reached_known = false;
        for event in page {
            if self.seen.contains(&event.id) {
                reached_known = true;
                continue;
            }
            if self.since.is_some_and(|since| event.timestamp < since) {
                reached_known = true;
                continue;
            }
            if !out.iter().any(|e: &Event| e.id == event.id) {
                out.push(event);
            }
        }
        reached_known
    }
}

/// The first failure that explains a failed operation: the oldest root cause, else the oldest failure
/// with a reason, else the stack's own status reason.
pub fn first_cause<'a>(events: impl IntoIterator<Item = &'a Event>) -> Option<&'a Event> {
    let mut fallback = None;
    for event in events {
        if event.is_root_cause() {
            return Some(event);
        }
        if fallback.is_none() && event.is_failure() && event.reason.is_some() {
            fallback = Some(event);
        }
    }
    fallback
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: &str, logical: &str, ty: &str, status: &str, reason: Option<&str>) -> Event {
        Event {
            id: id.into(),
            logical_id: logical.into(),
            physical_id: None,
            resource_type: ty.into(),
            status: status.into(),
            reason: reason.map(str::to_string),
            timestamp: DateTime::from_secs(1),
            token: None,
        }
    }

    #[test]
    fn cancelled_resources_are_not_the_cause() {
        let events = [
            event(
                "1",
                "Cluster",
                "AWS::ECS::Cluster",
                "CREATE_FAILED",
                Some("Resource creation cancelled"),
            ),
            event(
                "2",
                "WebService",
                "AWS::ECS::Service",
                "CREATE_FAILED",
                Some("Invalid request provided: CannotPullContainerError"),
            ),
            event(
                "3",
                "app",
                "AWS::CloudFormation::Stack",
                "ROLLBACK_IN_PROGRESS",
                Some("The following resource(s) failed to create: [WebService, Cluster]."),
            ),
        ];
        assert_eq!(first_cause(&events).map(|e| e.id.as_str()), Some("2"));
    }

    #[test]
    fn falls_back_to_any_failure_with_a_reason() {
        let events = [event(
            "1",
            "Cluster",
            "AWS::ECS::Cluster",
            "CREATE_FAILED",
            Some("Resource creation cancelled"),
        )];
        assert_eq!(first_cause(&events).map(|e| e.id.as_str()), Some("1"));
        assert!(first_cause(&[]).is_none());
    }

    #[test]
    fn paging_stops_at_known_or_older_events() {
        let mut feed = EventFeed::all("stack");
        feed.since = Some(DateTime::from_secs(10));
        feed.seen.insert("old".into());
        let mut newer = event("new", "A", "T", "CREATE_COMPLETE", None);
        newer.timestamp = DateTime::from_secs(20);
        let mut older = event("older", "A", "T", "CREATE_COMPLETE", None);
        older.timestamp = DateTime::from_secs(5);
        let mut out = Vec::new();
        assert!(!feed.take_new(vec![newer.clone()], &mut out));
        assert!(feed.take_new(vec![older], &mut out));
        assert!(feed.take_new(vec![event("old", "A", "T", "X", None)], &mut out));
        assert_eq!(out, [newer]);
    }
}
