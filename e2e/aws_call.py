#!/usr/bin/env python3
"""One AWS API call through boto3, for tests that check what exists: `aws_call.py SERVICE OPERATION [JSON]`.

    aws_call.py cloudformation describe_stacks '{"StackName": "web-redis"}'

Prints the response as JSON (datetimes as ISO 8601) and exits 0. On an AWS error prints
`CODE: message` to stderr and exits 1. Endpoint, region and credentials come from the usual variables
(AWS_ENDPOINT_URL, AWS_REGION or AWS_DEFAULT_REGION, AWS_ACCESS_KEY_ID...).
"""

import json
import os
import sys

import boto3
import botocore.exceptions


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    service, operation = argv[0], argv[1]
    params = json.loads(argv[2]) if len(argv) == 3 else {}
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    client = boto3.client(service, region_name=region, endpoint_url=os.environ.get("AWS_ENDPOINT_URL"))
    try:
        response = getattr(client, operation)(**params)
    except botocore.exceptions.ClientError as err:
        error = err.response.get("Error", {})
        print(f"{error.get('Code', 'Error')}: {error.get('Message', err)}", file=sys.stderr)
        return 1
    response.pop("ResponseMetadata", None)
    json.dump(response, sys.stdout, default=lambda v: v.isoformat() if hasattr(v, "isoformat") else str(v))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
