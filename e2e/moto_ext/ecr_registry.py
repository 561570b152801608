"""Amazon ECR whose images live in a real local registry, so that `docker push` really happens in the tests.

Active only when DOCKER_ECS_E2E_REGISTRY=127.0.0.1:PORT names a registry (Debian's docker-registry, distribution
2.8, as e2e/local_docker.sh starts it, with deletes enabled); without it moto's ECR is left as it is. Applied by the
launcher before the server starts.

moto 5.2.5 keeps ECR repositories (with their tags, policies and settings) but no registry: its repository URIs
name `<account>.dkr.ecr.<region>.amazonaws.com`, where nothing can be pushed, and its images are only those given
to PutImage. Here moto still keeps the repositories, and the registry keeps the images: a repository's URI names
the registry, and the image APIs (DescribeImages, ListImages, BatchGetImage, DeleteRepository's emptiness check)
answer from the registry's HTTP API v2. The registry has no authentication: any credentials log in.

What the registry's API cannot tell is approximated: an image's push time is when this server first saw it, and
untagged images are found by digest but not listed (API v2 lists tags, not manifests).
"""

from __future__ import annotations

import json
import os
import re
import threading
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from typing import Any

from moto.core.responses import ActionResult
from moto.ecr.exceptions import ImageNotFoundException, InvalidParameterException, RepositoryNotEmptyException
from moto.ecr.models import ECRBackend, Repository, ecr_backends
from moto.ecr.responses import ECRResponse

REGISTRY_VARIABLE = "DOCKER_ECS_E2E_REGISTRY"

# Without these in Accept, distribution 2.8 converts a manifest to schema 1, which has another digest than the
# one `docker push` printed. Indexes are accepted too, for images pushed by buildx (multi-platform, attestations).
MANIFEST_TYPES = (
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
)

# How long an ECR authorization token is valid.
TOKEN_LIFETIME = timedelta(hours=12)


class RegistryError(Exception):
    """The registry answered something other than the image or a 404: a 500 from moto, with the registry's words."""


class Manifest:
    """A manifest as the registry serves it: its text, media type and digest (Docker-Content-Digest)."""

    def __init__(self, text: str, media_type: str, digest: str):
        self.text, self.media_type, self.digest = text, media_type, digest
        parsed = json.loads(text)
        layers = parsed.get("layers")
        # ECR's imageSizeInBytes is the size of the (compressed) layers; an index has none of its own.
        self.size = sum(int(layer.get("size", 0)) for layer in layers) if layers is not None else None
        self.config_media_type = (parsed.get("config") or {}).get("mediaType")


class Registry:
    """A client of the registry's HTTP API v2 at 127.0.0.1:PORT (plain HTTP, no authentication)."""

    def __init__(self, host: str):
        self.host = host
        # Never through a proxy from the environment: the registry is on this machine.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        self._seen: dict[tuple[str, str], datetime] = {}
        self._lock = threading.Lock()

    def _request(self, method: str, path: str, accept: str | None = None) -> tuple[int, Any, bytes]:
        request = urllib.request.Request(f"http://{self.host}/v2/{path}", method=method)
        if accept:
            request.add_header("Accept", accept)
        try:
            with self._opener.open(request, timeout=30) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()
        except OSError as e:
            raise RegistryError(f"the registry at {self.host} ({REGISTRY_VARIABLE}) does not answer: {e}") from e

    def tags(self, repository: str) -> list[str]:
        """The repository's tags; none for a repository the registry has never seen (404 NAME_UNKNOWN)."""
        status, _, body = self._request("GET", f"{repository}/tags/list")
        if status == 404:
            return []
        if status != 200:
            raise RegistryError(f"GET /v2/{repository}/tags/list: HTTP {status}: {body[:500]!r}")
        return sorted(json.loads(body).get("tags") or [])

    def manifest(self, repository: str, reference: str) -> Manifest | None:
        """The manifest of repository:reference (a tag or a digest), or None when there is none."""
        status, headers, body = self._request("GET", f"{repository}/manifests/{reference}", ", ".join(MANIFEST_TYPES))
        if status == 404:
            return None
        if status == 400:  # TAG_INVALID, DIGEST_INVALID, NAME_INVALID: a malformed reference
            raise InvalidParameterException(f"Invalid parameter: '{reference}' is not a valid image tag or digest")
        if status != 200:
            raise RegistryError(f"GET /v2/{repository}/manifests/{reference}: HTTP {status}: {body[:500]!r}")
        manifest = Manifest(body.decode(), headers["Content-Type"], headers["Docker-Content-Digest"])
        with self._lock:
            self._seen.setdefault((repository, manifest.digest), datetime.now(timezone.utc).replace(microsecond=0))
        return manifest

    def pushed_at(self, repository: str, digest: str) -> datetime:
        """When this server first saw the image: the registry does not record push times. Stable across calls."""
        with self._lock:
            return self._seen.setdefault((repository, digest), datetime.now(timezone.utc).replace(microsecond=0))

    def tagged(self, repository: str) -> dict[str, tuple[Manifest, list[str]]]:
        """Every tagged image of the repository: digest -> (manifest, its tags)."""
        images: dict[str, tuple[Manifest, list[str]]] = {}
        for tag in self.tags(repository):
            manifest = self.manifest(repository, tag)
            if manifest is not None:  # a tag deleted meanwhile
                images.setdefault(manifest.digest, (manifest, []))[1].append(tag)
        return images

    def delete(self, repository: str, digest: str) -> None:
        """Deletes the manifest (and with it every tag pointing to it); its blobs wait for garbage collection."""
        status, _, body = self._request("DELETE", f"{repository}/manifests/{digest}")
        if status not in (202, 404):
            raise RegistryError(f"DELETE /v2/{repository}/manifests/{digest}: HTTP {status}: {body[:500]!r}")
        with self._lock:
            self._seen.pop((repository, digest), None)

    def empty(self, repository: str) -> None:
        """Deletes every tagged image of the repository, and the untagged ones this server has seen."""
        digests = set(self.tagged(repository))
        with self._lock:
            digests |= {digest for (name, digest) in self._seen if name == repository}
        for digest in sorted(digests):
            self.delete(repository, digest)


class RegistryImage:
    """An image in the registry with the attributes moto's serializer reads for ECR's ImageDetail (DescribeImages),
    Image (BatchGetImage) and ImageIdentifier (ListImages).

    `image_tag` is the tag an answer names the image by (BatchGetImage's imageId echoes the requested tag).
    """

    def __init__(self, repository: Repository, manifest: Manifest, tags: list[str], pushed_at: datetime):
        self.registry_id = repository.registry_id
        self.repository_name = repository.name
        self.image_digest = manifest.digest
        self.image_tags = list(tags)
        self.image_tag: str | None = None
        self.image_manifest = manifest.text
        self.image_manifest_media_type = manifest.media_type
        self.artifact_media_type = manifest.config_media_type
        self.image_size_in_bytes = manifest.size
        self.image_pushed_at = pushed_at

    @property
    def image_id(self) -> dict[str, str]:
        image_id = {"imageDigest": self.image_digest}
        if self.image_tag is not None:
            image_id["imageTag"] = self.image_tag
        return image_id


# What the registry can hold: a sha256 digest, and a tag of the Docker reference grammar. ECR accepts other digest
# algorithms and longer tags, which name no image here.
_DIGEST = re.compile(r"[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+")
_SHA256 = re.compile(r"sha256:[a-f0-9]{64}")
_TAG = re.compile(r"[\w][\w.-]{0,127}")


class ImageFailure(Exception):
    """Why an ImageIdentifier names no image: one of ECR's ImageFailureCode values and its reason."""

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code, self.reason = code, reason


def _find(registry: Registry, repository: Repository, image_id: dict[str, str]) -> RegistryImage:
    """The image an ImageIdentifier names (a tag, a digest, or both, which must then agree), else ImageFailure."""
    tag, digest = image_id.get("imageTag"), image_id.get("imageDigest")
    if not tag and not digest:
        raise ImageFailure("MissingDigestAndTag", "Invalid request parameters: both tag and digest cannot be null")
    if digest and not _DIGEST.fullmatch(digest):
        raise ImageFailure("InvalidImageDigest", f"Invalid image digest '{digest}'")
    if (digest and not _SHA256.fullmatch(digest)) or (tag and not _TAG.fullmatch(tag)):
        raise ImageFailure("ImageNotFound", "Requested image not found")
    manifest = registry.manifest(repository.name, digest or tag)  # type: ignore[arg-type]
    if manifest is None:
        raise ImageFailure("ImageNotFound", "Requested image not found")
    tagged = registry.tagged(repository.name)
    tags = tagged[manifest.digest][1] if manifest.digest in tagged else []
    if tag and tag not in tags:
        if digest:
            raise ImageFailure("ImageTagDoesNotMatchDigest", "Invalid image tag for image digest")
        raise ImageFailure("ImageNotFound", "Requested image not found")  # untagged since
    image = RegistryImage(repository, manifest, tags, registry.pushed_at(repository.name, manifest.digest))
    image.image_tag = tag
    return image


def _all(registry: Registry, repository: Repository) -> list[RegistryImage]:
    return [
        RegistryImage(repository, manifest, tags, registry.pushed_at(repository.name, digest))
        for digest, (manifest, tags) in registry.tagged(repository.name).items()
    ]


def repository_uri_names_the_registry(registry: Registry) -> None:
    """A repository's URI (repositoryUri in the API, Fn::GetAtt RepositoryUri) is `127.0.0.1:PORT/<name>`.

    moto's is `<account>.dkr.ecr.<region>.amazonaws.com/<name>`, a host nothing can be pushed to here.
    """
    original = Repository.__init__

    def __init__(self: Repository, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.uri = f"{registry.host}/{self.name}"

    Repository.__init__ = __init__  # type: ignore[method-assign]


def authorization_token_for_the_registry(registry: Registry) -> None:
    """GetAuthorizationToken's proxyEndpoint is `https://127.0.0.1:PORT` and the token expires in 12 hours, as on AWS.

    moto's endpoint names the ECR host of the account (`https://<account>.dkr.ecr.<region>.amazonaws.com`) and its
    expiresAt is 2015-01-01, in the past. The scheme stays https, AWS's form: `docker login https://127.0.0.1:PORT`
    works because dockerd treats 127.0.0.0/8 registries as insecure and falls back to plain HTTP (the docker CLI
    keeps the credentials under `127.0.0.1:PORT`, without the scheme). The token stays moto's base64 of
    `AWS:<password>`; the registry accepts any credentials.
    """
    original = ECRResponse.get_authorization_token

    def get_authorization_token(self: ECRResponse) -> ActionResult:
        result = original(self)
        expires_at = datetime.now(timezone.utc).replace(microsecond=0) + TOKEN_LIFETIME
        for data in result.result["authorizationData"]:  # type: ignore[index]
            data["proxyEndpoint"] = f"https://{registry.host}"
            data["expiresAt"] = expires_at
        return result

    ECRResponse.get_authorization_token = get_authorization_token  # type: ignore[method-assign]


def images_from_the_registry(registry: Registry) -> None:
    """DescribeImages, ListImages and BatchGetImage answer with the images pushed to the registry.

    moto answers with the images given to its PutImage only, so a pushed image was never found. Here:
    - DescribeImages without imageIds describes every tagged image; with imageIds (tag, digest, or both) each named
      one, or fails with ImageNotFoundException, as ECR does. Each has imageDigest (the registry's
      Docker-Content-Digest, the digest `docker push` prints), imageTags, imagePushedAt, imageSizeInBytes (the
      layers), imageManifestMediaType and artifactMediaType.
    - ListImages lists the tags (tagStatus UNTAGGED finds none: the registry cannot list untagged manifests).
    - BatchGetImage gives each found image's manifest with its imageId as requested, and a failure for each other
      one (ImageNotFound; ImageTagDoesNotMatchDigest when the tag names another image; InvalidImageDigest;
      MissingDigestAndTag). Its acceptedMediaTypes are not applied: the manifest is given as pushed.
    A repository moto does not know is RepositoryNotFoundException in all three.
    """

    def describe_images(
        self: ECRBackend,
        repository_name: str,
        registry_id: str | None = None,
        image_ids: list[dict[str, str]] | None = None,
    ) -> list[RegistryImage]:
        repository = self._get_repository(repository_name, registry_id)
        if not image_ids:
            return _all(registry, repository)
        images: dict[str, RegistryImage] = {}
        for image_id in image_ids:
            try:
                image = _find(registry, repository, image_id)
            except ImageFailure as failure:
                if failure.code in ("MissingDigestAndTag", "InvalidImageDigest"):
                    raise InvalidParameterException(f"Invalid parameter at 'imageIds': {failure.reason}") from None
                digest, tag = image_id.get("imageDigest") or "null", image_id.get("imageTag") or "null"
                raise ImageNotFoundException(
                    image_id=f"{{imageDigest:'{digest}', imageTag:'{tag}'}}",
                    repository_name=repository.name,
                    registry_id=repository.registry_id,
                ) from None
            images.setdefault(image.image_digest, image)
        return list(images.values())

    def list_images(
        self: ECRBackend, repository_name: str, registry_id: str | None = None, tag_status: str = "ANY"
    ) -> list[RegistryImage]:
        repository = self._get_repository(repository_name, registry_id)
        return [] if tag_status == "UNTAGGED" else _all(registry, repository)

    def batch_get_image(
        self: ECRBackend,
        repository_name: str,
        registry_id: str | None = None,
        image_ids: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        repository = self._get_repository(repository_name, registry_id)
        response: dict[str, Any] = {"images": [], "failures": []}
        for image_id in image_ids or []:
            try:
                response["images"].append(_find(registry, repository, image_id))
            except ImageFailure as failure:
                response["failures"].append(
                    {"imageId": image_id, "failureCode": failure.code, "failureReason": failure.reason}
                )
        return response

    ECRBackend.describe_images = describe_images  # type: ignore[method-assign,assignment]
    ECRBackend.list_images = list_images  # type: ignore[method-assign,assignment]
    ECRBackend.batch_get_image = batch_get_image  # type: ignore[method-assign]


def repository_deletion_sees_the_registry(registry: Registry) -> None:
    """DeleteRepository of a repository with images in the registry is RepositoryNotEmptyException unless forced;
    forced, it deletes the repository's images from the registry. A CloudFormation AWS::ECR::Repository with
    `EmptyOnDelete: true` is deleted forced, as CloudFormation does.

    moto checks only its own (PutImage) images, so it deleted any repository and left its images behind; its
    CloudFormation model ignores EmptyOnDelete.
    """
    original_delete = ECRBackend.delete_repository

    def delete_repository(
        self: ECRBackend, repository_name: str, registry_id: str | None = None, force: bool = False
    ) -> Repository:
        repository = self._get_repository(repository_name, registry_id)
        if not force and registry.tags(repository.name):
            raise RepositoryNotEmptyException(repository.name, repository.registry_id)
        if force:
            registry.empty(repository.name)
        return original_delete(self, repository_name, registry_id, force)

    ECRBackend.delete_repository = delete_repository  # type: ignore[method-assign]

    original_create = Repository.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create_from_cloudformation_json(
        cls: type[Repository],
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Repository:
        repository = original_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        empty_on_delete = (cloudformation_json.get("Properties") or {}).get("EmptyOnDelete")
        repository.empty_on_delete = str(empty_on_delete).lower() == "true"  # type: ignore[attr-defined]
        return repository

    def delete(self: Repository, account_id: str, region_name: str) -> None:
        force = getattr(self, "empty_on_delete", False)
        ecr_backends[account_id][region_name].delete_repository(self.name, force=force)

    Repository.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)  # type: ignore[method-assign,assignment]
    Repository.delete = delete  # type: ignore[method-assign]


def new_repositories_start_empty(registry: Registry) -> None:
    """A repository just created has no images, as on AWS, even when the registry kept some under its name.

    The registry outlives moto's state (a reset, a restarted launcher): without this, a repository created again
    after a reset would show the images pushed to its predecessor.
    """
    original = ECRBackend.create_repository

    def create_repository(self: ECRBackend, *args: Any, **kwargs: Any) -> Repository:
        repository = original(self, *args, **kwargs)
        registry.empty(repository.name)
        return repository

    ECRBackend.create_repository = create_repository  # type: ignore[method-assign]


def apply_all() -> None:
    host = os.environ.get(REGISTRY_VARIABLE)
    if not host:
        return
    registry = Registry(host)
    repository_uri_names_the_registry(registry)
    authorization_token_for_the_registry(registry)
    images_from_the_registry(registry)
    repository_deletion_sees_the_registry(registry)
    new_repositories_start_empty(registry)
