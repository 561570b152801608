//! What a failed AWS call reads like through a real SDK client (mocked answers): an error AWS sent
//! without a code or message is never shown as the SDK's debug structure, and a coded one reads
//! "Code: message" after what we were doing.

use aws_sdk_cloudformation::operation::describe_stacks::DescribeStacksError;
use aws_smithy_mocks::{mock, mock_client};
use aws_smithy_types::error::ErrorMetadata;
use ecs_deploy::ls;

async fn ls_error(error: fn() -> DescribeStacksError) -> String {
    let rule = mock!(aws_sdk_cloudformation::Client::describe_stacks).then_error(error);
    let cf = mock_client!(aws_sdk_cloudformation, [&rule]);
    ls::list(&cf).await.unwrap_err().to_string()
}

#[tokio::test]
async fn an_error_with_only_a_request_id_is_not_a_debug_dump() {
    let err = ls_error(|| {
        DescribeStacksError::generic(
            ErrorMetadata::builder()
                .custom("aws_request_id", "7f1c-42")
                .build(),
        )
    })
    .await;
    assert!(!err.contains("Error {") && !err.contains("Some("), "{err}");
    assert!(
        err.ends_with(
            ": AWS answered with an error without a code or message (request id 7f1c-42)"
        ),
        "{err}"
    );
}

#[tokio::test]
async fn a_coded_error_reads_code_then_message() {
    let err = ls_error(|| {
        DescribeStacksError::generic(
            ErrorMetadata::builder()
                .code("AccessDenied")
                .message("User: arn:aws:iam::1:user/x is not authorized to perform: cloudformation:DescribeStacks")
                .build(),
        )
    })
    .await;
    assert!(
        err.ends_with(": AccessDenied: User: arn:aws:iam::1:user/x is not authorized to perform: cloudformation:DescribeStacks"),
        "{err}"
    );
}
