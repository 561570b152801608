#!/usr/bin/env python3
"""Run moto's server with the CloudFormation resource types docker-ecs templates use and moto lacks.

    moto_launcher.py [-H 127.0.0.1] -p PORT

The extra types are defined in moto_ext/cloudformation_models.py; they must be imported before moto parses its
first template, which is why this is a launcher and not a plugin. Written for the moto version pinned in
requirements.txt: any other version is refused, because the models reach into moto's backends.

With DOCKER_ECS_E2E_REGISTRY=127.0.0.1:PORT (a registry e2e/local_docker.sh started), ECR repositories are in that
registry (moto_ext/ecr_registry.py): `docker push` to a repositoryUri works and DescribeImages sees the image.
CloudWatch also answers the Smithy RPC v2 CBOR protocol the Rust SDK uses for it (moto_ext/cbor.py).
"""

import os
import sys

PINNED_MOTO = "5.2.5"


def main(argv: list[str]) -> None:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    # AWS managed policies exist on AWS; templates refer to them (x-aws-policies, ECS execution role).
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    # A requested ACM certificate is issued once its DNS validation passes; here there is no DNS, so
    # issue it at once (moto's default waits 60 s) and `up`'s certificate check sees it ISSUED.
    os.environ.setdefault("MOTO_ACM_VALIDATION_WAIT", "0")
    import moto

    if moto.__version__ != PINNED_MOTO:
        sys.exit(
            f"moto {moto.__version__} is installed but the launcher was written for {PINNED_MOTO}: "
            "run `make venv` (pip install -r e2e/requirements.txt)"
        )

    import moto_ext.cloudformation_models  # noqa: F401  (registers the models with moto's CloudFormation)
    from moto_ext import patches

    patches.apply_all()
    from moto_ext import features  # properties of the service extensions moto drops

    features.apply_all()
    from moto_ext import ecr_registry  # ECR images in the registry DOCKER_ECS_E2E_REGISTRY names, if any

    ecr_registry.apply_all()
    from moto_ext import cbor  # CloudWatch in the CBOR protocol of the Rust SDK

    cbor.apply_all()
    from moto.server import main as moto_server

    if not any(a in ("-H", "--host") for a in argv):
        argv = ["-H", "127.0.0.1", *argv]
    moto_server(argv)


if __name__ == "__main__":
    main(sys.argv[1:])
