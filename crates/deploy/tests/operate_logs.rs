//! `logs` against mocked CloudWatch Logs: several pages, --tail per container, init containers,
//! follow mode through throttling, a missing log group.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_cloudwatchlogs::config::retry::RetryConfig;
use aws_sdk_cloudwatchlogs::operation::describe_log_streams::DescribeLogStreamsOutput;
use aws_sdk_cloudwatchlogs::operation::filter_log_events::{
    FilterLogEventsError, FilterLogEventsOutput,
};
use aws_sdk_cloudwatchlogs::operation::get_log_events::GetLogEventsOutput;
use aws_sdk_cloudwatchlogs::types::{FilteredLogEvent, LogStream, OutputLogEvent};
use aws_smithy_mocks::{mock, mock_client, RuleMode};
use aws_smithy_types::error::ErrorMetadata;
use ecs_deploy::log_format::{format_line, prefix_width, LogLine, LogStyle};
use ecs_deploy::logs::{self, LogEvent, LogSelection, LogWindow, Polling};

fn event(id: &str, stream: &str, ts: i64, message: &str) -> FilteredLogEvent {
    FilteredLogEvent::builder()
        .event_id(id)
        .log_stream_name(stream)
        .timestamp(ts)
        .message(message)
        .build()
}

fn selection(selected: &[&str], init: bool) -> LogSelection {
    LogSelection::new(
        "demo",
        vec!["db".into(), "web".into()],
        selected.iter().map(|s| s.to_string()).collect(),
        init,
    )
    .unwrap()
}

const POLLING: Polling = Polling {
    interval: Duration::from_secs(1),
    max_backoff: Duration::from_secs(8),
};

fn render(events: &[LogEvent], style: LogStyle, services: &[&str]) -> String {
    let width = prefix_width(services.iter().copied().chain(logs::containers(events)));
    events
        .iter()
        .map(|e| {
            format_line(
                style,
                width,
                &LogLine {
                    name: &e.container,
                    colour_index: e.colour_index,
                    timestamp_ms: e.timestamp_ms,
                    message: &e.message,
                },
            )
        })
        .collect()
}

const PLAIN: LogStyle = LogStyle {
    colour: false,
    prefix: true,
    timestamps: false,
};

#[tokio::test]
async fn reads_every_page_of_the_project_log_group() {
    let page_1 = mock!(aws_sdk_cloudwatchlogs::Client::filter_log_events)
        .match_requests(|r| {
            r.log_group_name() == Some("/docker-compose/demo")
                && r.log_stream_name_prefix() == Some("demo/")
                && r.start_time() == Some(1_000)
                && r.end_time().is_none()
                && r.next_token().is_none()
        })
        .then_output(|| {
            FilterLogEventsOutput::builder()
                .events(event("1", "demo/web/t1", 1_000, "GET / 200\n"))
                .events(event(
                    "2",
                    "demo/web_secrets/t1",
                    1_001,
                    "wrote /run/secrets/db\n",
                ))
                .events(event(
                    "3",
                    "demo/db/t2",
                    1_002,
                    "ready to accept connections\n",
                ))
                .next_token("page-2")
                .build()
        });
    let page_2 = mock!(aws_sdk_cloudwatchlogs::Client::filter_log_events)
        .match_requests(|r| r.next_token() == Some("page-2"))
        .then_output(|| {
            FilterLogEventsOutput::builder()
                // Pages may be out of time order across streams: output is sorted.
                .events(event("5", "demo/web/t1", 1_005, "GET /b 200"))
                .events(event("4", "demo/web/t1", 1_004, "GET /a 404"))
                .next_token("page-3")
                .build()
        });
    let page_3 = mock!(aws_sdk_cloudwatchlogs::Client::filter_log_events)
        .match_requests(|r| r.next_token() == Some("page-3"))
        .then_output(|| FilterLogEventsOutput::builder().build());
    let client = mock_client!(
        aws_sdk_cloudwatchlogs,
        RuleMode::MatchAny,
        [&page_1, &page_2, &page_3]
    );
    let window = LogWindow {
        start_ms: Some(1_000),
        ..Default::default()
    };

    let events = logs::fetch(&client, &selection(&[], false), window, POLLING)
        .await
        .unwrap();
    assert_eq!(page_3.num_calls(), 1);
    assert_eq!(
        render(&events, PLAIN, &["db", "web"]),
        "web-1  | GET / 200\n\
         db-1   | ready to accept connections\n\
         web-1  | GET /a 404\n\
         web-1  | GET /b 200\n"
    );

    // Init containers on request, coloured like their service, widening the prefix.
    let events = logs::fetch(&client, &selection(&[], true), window, POLLING)
        .await
        .unwrap();
    let coloured = LogStyle {
        colour: true,
        ..PLAIN
    };
    assert_eq!(
        render(&events[..3], coloured, &["db", "web"]),
        "\x1b[33mweb-1          | \x1b[0mGET / 200\n\
         \x1b[33mweb_secrets-1  | \x1b[0mwrote /run/secrets/db\n\
         \x1b[36mdb-1           | \x1b[0mready to accept connections\n"
    );
}

fn stream(name: &str, first: i64, last: i64) -> LogStream {
    LogStream::builder()
        .log_stream_name(name)
        .first_event_timestamp(first)
        .last_event_timestamp(last)
        .build()
}

fn output_event(ts: i64, message: &str) -> OutputLogEvent {
    OutputLogEvent::builder()
        .timestamp(ts)
        .message(message)
        .build()
}

#[tokio::test]
async fn tail_reads_the_end_of_each_stream_not_the_whole_history() {
    let streams_1 = mock!(aws_sdk_cloudwatchlogs::Client::describe_log_streams)
        .match_requests(|r| {
            r.log_group_name() == Some("/docker-compose/demo")
                && r.log_stream_name_prefix() == Some("demo/")
                && r.next_token().is_none()
        })
        .then_output(|| {
            DescribeLogStreamsOutput::builder()
                .log_streams(stream("demo/db/t2", 1_000, 1_006))
                .log_streams(stream("demo/web/t1", 1_000, 1_005))
                .next_token("streams-2")
                .build()
        });
    let streams_2 = mock!(aws_sdk_cloudwatchlogs::Client::describe_log_streams)
        .match_requests(|r| r.next_token() == Some("streams-2"))
        .then_output(|| {
            DescribeLogStreamsOutput::builder()
                // A second task of web, and streams the selection or the window leave out.
                .log_streams(stream("demo/web/t3", 1_000, 1_004))
                .log_streams(stream("demo/web_Secrets_InitContainer/t1", 1_000, 1_001))
                .log_streams(stream("demo/web/old", 100, 200))
                .build()
        });
    let get = |name: &'static str, events: Vec<(i64, &'static str)>| {
        mock!(aws_sdk_cloudwatchlogs::Client::get_log_events)
            .match_requests(move |r| {
                r.log_stream_name() == Some(name)
                    && r.start_from_head() == Some(false)
                    && r.limit() == Some(2)
                    && r.start_time() == Some(500)
            })
            .then_output(move || {
                GetLogEventsOutput::builder()
                    .set_events(Some(
                        events.iter().map(|(ts, m)| output_event(*ts, m)).collect(),
                    ))
                    .build()
            })
    };
    let db = get("demo/db/t2", vec![(1_003, "db 3"), (1_006, "db 6")]);
    let web_1 = get("demo/web/t1", vec![(1_002, "web 2"), (1_005, "web 5")]);
    let web_3 = get("demo/web/t3", vec![(1_001, "web 1"), (1_004, "web 4")]);
    let filter = mock!(aws_sdk_cloudwatchlogs::Client::filter_log_events)
        .then_output(|| FilterLogEventsOutput::builder().build());
    let client = mock_client!(
        aws_sdk_cloudwatchlogs,
        RuleMode::MatchAny,
        [&streams_1, &streams_2, &db, &web_1, &web_3, &filter]
    );
    let window = LogWindow {
        start_ms: Some(500),
        tail: Some(2),
        ..Default::default()
    };
    // Tasks named by their `ps` numbers.
    let numbered = selection(&[], false).with_replicas(BTreeMap::from([
        ("t1".to_string(), ("web".to_string(), 2)),
        ("t2".to_string(), ("db".to_string(), 1)),
        ("t3".to_string(), ("web".to_string(), 1)),
    ]));
    let events = logs::fetch(&client, &numbered, window, POLLING)
        .await
        .unwrap();
    assert_eq!(filter.num_calls(), 0, "no read of the whole history");
    assert_eq!(streams_2.num_calls(), 1);
    let timestamps = LogStyle {
        timestamps: true,
        prefix: true,
        colour: false,
    };
    // The last 2 lines of each task.
    assert_eq!(
        render(&events, timestamps, &["db", "web"]),
        "web-1  | 1970-01-01T00:00:01.001Z web 1\n\
         web-2  | 1970-01-01T00:00:01.002Z web 2\n\
         db-1   | 1970-01-01T00:00:01.003Z db 3\n\
         web-1  | 1970-01-01T00:00:01.004Z web 4\n\
         web-2  | 1970-01-01T00:00:01.005Z web 5\n\
         db-1   | 1970-01-01T00:00:01.006Z db 6\n"
    );
}

#[tokio::test]
async fn one_service_is_read_by_its_stream_prefix() {
    let only_web = mock!(aws_sdk_cloudwatchlogs::Client::filter_log_events)
        .match_requests(|r| {
            r.log_stream_name_prefix() == Some("demo/web/") && r.end_time() == Some(9_000)
        })
        .then_output(|| {
            FilterLogEventsOutput::builder()
                .events(event("1", "demo/web/t1", 1_000, "hello"))
                .build()
        });
    let client = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [&only_web]);
    let window = LogWindow {
        end_ms: Some(9_000),
        ..Default::default()
    };
    let events = logs::fetch(&client, &selection(&["web"], false), window, POLLING)
        .await
        .unwrap();
    assert_eq!(render(&events, PLAIN, &["web"]), "web-1  | hello\n");
}

fn throttled() -> FilterLogEventsError {
    FilterLogEventsError::generic(
        ErrorMetadata::builder()
            .code("ThrottlingException")
            .message("Rate exceeded")
            .build(),
    )
}

#[tokio::test(start_paused = true)]
async fn follow_keeps_polling_through_throttling_and_prints_each_event_once() {
    let rule = mock!(aws_sdk_cloudwatchlogs::Client::filter_log_events)
        .sequence()
        // The initial read: throttled more often than a one-shot read accepts, then two pages.
        .error(throttled)
        .times(10)
        .output(|| {
            FilterLogEventsOutput::builder()
                .events(event("1", "demo/web/t1", 100_000, "one"))
                .next_token("more")
                .build()
        })
        .output(|| {
            FilterLogEventsOutput::builder()
                .events(event("2", "demo/db/t2", 100_500, "two"))
                .build()
        })
        // First poll: throttled three times, then the old event again plus a new one.
        .error(throttled)
        .times(3)
        .output(|| {
            FilterLogEventsOutput::builder()
                .events(event("2", "demo/db/t2", 100_500, "two"))
                .events(event("3", "demo/web/t1", 101_000, "three"))
                .build()
        })
        // Then a late event slightly older than the newest one printed.
        .output(|| {
            FilterLogEventsOutput::builder()
                .events(event("3", "demo/web/t1", 101_000, "three"))
                .events(event("4", "demo/db/t2", 100_900, "four"))
                .build()
        })
        .output(|| FilterLogEventsOutput::builder().build())
        .repeatedly()
        .build();
    let client = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::Sequential, [&rule], |c| c
        .retry_config(RetryConfig::disabled()));
    let window = LogWindow {
        start_ms: Some(50_000),
        ..Default::default()
    };
    let mut printed: Vec<String> = Vec::new();
    let started = tokio::time::Instant::now();
    let mut emit = |e: &LogEvent| {
        printed.push(format!("{} {}", e.container, e.message));
        Ok::<(), ecs_deploy::Error>(())
    };
    let all = selection(&[], false);
    let follow = logs::follow(&client, &all, window, POLLING, &mut emit);
    // Follow never ends by itself: stop it the way Ctrl-C does, by dropping it.
    let stopped = tokio::time::timeout(Duration::from_secs(300), follow).await;
    assert!(stopped.is_err(), "follow returned early: {stopped:?}");
    assert_eq!(
        printed,
        ["web-1 one", "db-1 two", "web-1 three", "db-1 four"]
    );
    // 10 throttled initial reads (1 + 2 + 4 + 8 + 8 ... s: doubling up to max_backoff), 2 pages,
    // 3 throttled polls, 2 polls with events, then empty polls until stopped.
    assert!(
        rule.num_calls() > 17,
        "kept polling: {} calls",
        rule.num_calls()
    );
    assert!(started.elapsed() >= Duration::from_secs(300));
}

#[tokio::test(start_paused = true)]
async fn one_shot_reads_give_up_after_repeated_throttling() {
    let rule = mock!(aws_sdk_cloudwatchlogs::Client::filter_log_events)
        .sequence()
        .error(throttled)
        .repeatedly()
        .build();
    let client = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::Sequential, [&rule], |c| c
        .retry_config(RetryConfig::disabled()));
    let err = logs::fetch(
        &client,
        &selection(&[], false),
        LogWindow::default(),
        POLLING,
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "reading log group /docker-compose/demo: still throttled by CloudWatch Logs after several retries"
    );
    assert_eq!(rule.num_calls(), 9);
}

#[tokio::test]
async fn a_missing_log_group_is_a_clear_error() {
    let rule = mock!(aws_sdk_cloudwatchlogs::Client::filter_log_events).then_error(|| {
        FilterLogEventsError::generic(
            ErrorMetadata::builder()
                .code("ResourceNotFoundException")
                .message("The specified log group does not exist.")
                .build(),
        )
    });
    let client = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [&rule]);
    let err = logs::fetch(
        &client,
        &selection(&[], false),
        LogWindow::default(),
        POLLING,
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "log group /docker-compose/demo does not exist: is the application deployed (`docker ecs up`)?"
    );
}

#[tokio::test(start_paused = true)]
async fn follow_stops_once_until_has_passed() {
    let rule = mock!(aws_sdk_cloudwatchlogs::Client::filter_log_events)
        .match_requests(|r| r.end_time() == Some(5_000))
        .then_output(|| {
            FilterLogEventsOutput::builder()
                .events(event("1", "demo/web/t1", 4_000, "last words"))
                .build()
        });
    let client = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [&rule]);
    let window = LogWindow {
        start_ms: Some(1_000),
        end_ms: Some(5_000),
        tail: None,
    };
    let mut printed = 0;
    let mut emit = |_: &LogEvent| {
        printed += 1;
        Ok::<(), ecs_deploy::Error>(())
    };
    let all = selection(&[], false);
    // The end is long past: one read, one last poll, done.
    let follow = logs::follow(&client, &all, window, POLLING, &mut emit);
    tokio::time::timeout(Duration::from_secs(60), follow)
        .await
        .expect("follow ends by itself once --until has passed")
        .unwrap();
    assert_eq!(printed, 1, "the event is printed once");
    assert_eq!(rule.num_calls(), 2);
}

#[tokio::test(start_paused = true)]
async fn follow_after_a_tail_does_not_print_the_lines_the_tail_left_out() {
    // Timestamps near the real clock, as follow mode reads them.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let streams =
        mock!(aws_sdk_cloudwatchlogs::Client::describe_log_streams).then_output(move || {
            DescribeLogStreamsOutput::builder()
                .log_streams(stream("demo/web/t1", now - 9_000, now))
                .build()
        });
    let last = mock!(aws_sdk_cloudwatchlogs::Client::get_log_events).then_output(move || {
        GetLogEventsOutput::builder()
            .events(output_event(now, "newest"))
            .build()
    });
    // Every poll looks back over events the tail skipped, the one it printed, and a new one.
    let polls = mock!(aws_sdk_cloudwatchlogs::Client::filter_log_events).then_output(move || {
        FilterLogEventsOutput::builder()
            .events(event("a", "demo/web/t1", now - 1_000, "older"))
            .events(event("b", "demo/web/t1", now, "newest"))
            .events(event("c", "demo/web/t1", now + 1_000, "after"))
            .build()
    });
    let client = mock_client!(
        aws_sdk_cloudwatchlogs,
        RuleMode::MatchAny,
        [&streams, &last, &polls]
    );
    let window = LogWindow {
        tail: Some(1),
        ..Default::default()
    };
    let mut printed: Vec<String> = Vec::new();
    let mut emit = |e: &LogEvent| {
        printed.push(e.message.clone());
        Ok::<(), ecs_deploy::Error>(())
    };
    let all = selection(&[], false);
    let follow = logs::follow(&client, &all, window, POLLING, &mut emit);
    let _ = tokio::time::timeout(Duration::from_secs(10), follow).await;
    assert!(polls.num_calls() > 2);
    assert_eq!(printed, ["newest", "after"]);
}
