//! Talking to a registry through oci-client: push an artifact, fetch one into the cache, ping, and
//! turn the client's errors into [`OciError`]s that name the registry and say what to do.

use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Once};
use std::time::Duration;

use futures::StreamExt;
use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::errors::{OciDistributionError, OciErrorCode};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, RegistryOperation};

use crate::artifact::{classify, identify, sha256_digest, ArtifactKind, HashingReader};
use crate::artifact::{DOCKER_MANIFEST_MEDIA_TYPE, OCI_MANIFEST_MEDIA_TYPE};
use crate::auth::Credentials;
use crate::cache::Cache;
use crate::manifest::{parse_annotations, Manifest};
use crate::progress::Progress;
use crate::reference::{is_insecure_registry, normalize_digest, ArtifactRef};
use crate::upload::{put_blob, BlobAuth};
use crate::OciError;

/// How long a connection may take to open.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a response may stay silent.
pub const READ_TIMEOUT: Duration = Duration::from_secs(60);
/// The `User-Agent` of every request.
const USER_AGENT: &str = concat!("wash/", env!("CARGO_PKG_VERSION"));
/// Read buffer for streaming files.
const IO_BUFFER: usize = 256 * 1024;

/// Options of [`push`].
#[derive(Debug, Clone, Default)]
pub struct PushOptions {
    /// Basic-auth credentials; `None` is anonymous.
    pub credentials: Option<Credentials>,
    /// Registries reached over plain HTTP besides `localhost`/`127.0.0.1`.
    pub insecure: Vec<String>,
    /// Allow the `latest` tag (also implied by a tag-less reference).
    pub allow_latest: bool,
    /// Manifest annotations, each `key=value`.
    pub annotations: Vec<String>,
    /// A file whose bytes are the config blob (default: `{}`).
    pub config: Option<PathBuf>,
}

/// What [`push`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushReport {
    /// The reference as given.
    pub reference: String,
    /// The digest of the manifest pushed (`sha256:<hex>`).
    pub manifest_digest: String,
    /// Actor or provider.
    pub kind: ArtifactKind,
    /// The layer's digest.
    pub layer_digest: String,
    /// The layer's size.
    pub size: u64,
    /// Whether the layer was uploaded (false when the registry already had it).
    pub uploaded: bool,
}

/// Options of a pull ([`pull_artifact`], [`pull_to_file`]).
#[derive(Debug, Clone)]
pub struct PullOptions {
    /// Basic-auth credentials; `None` is anonymous.
    pub credentials: Option<Credentials>,
    /// Allow `latest` and tag-less references.
    pub allow_latest: bool,
    /// Registries reached over plain HTTP besides `localhost`/`127.0.0.1`.
    pub insecure: Vec<String>,
    /// The cache root (see [`crate::Cache`]).
    pub cache_dir: PathBuf,
    /// The manifest digest the artifact must have (`sha256:` optional); a pinned pull is served
    /// from the cache without the network when the cache has it.
    pub digest: Option<String>,
    /// Never use the network: serve tags last seen, and digests, from the cache.
    pub offline: bool,
}

impl Default for PullOptions {
    /// Anonymous, `latest` refused, a cache in the system temp dir (callers pass their own, e.g.
    /// `~/.wash/cache/oci`), online.
    fn default() -> Self {
        Self {
            credentials: None,
            allow_latest: false,
            insecure: Vec::new(),
            cache_dir: std::env::temp_dir().join("wash-oci-cache"),
            digest: None,
            offline: false,
        }
    }
}

/// What [`pull_to_file`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullReport {
    /// The file written.
    pub file: PathBuf,
    /// Actor or provider.
    pub kind: ArtifactKind,
    /// The manifest digest.
    pub manifest_digest: String,
    /// Bytes written.
    pub size: u64,
    /// Whether everything came from the cache (no network).
    pub from_cache: bool,
}

/// What [`ping`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PingReport {
    /// The registry host.
    pub registry: String,
    /// `http` or `https`.
    pub scheme: &'static str,
    /// Whether the registry asked for credentials (and accepted them).
    pub authenticated: bool,
}

/// What a pull resolved: the manifest and where its layers are in the cache.
struct Fetched {
    manifest: Manifest,
    manifest_digest: String,
    layers: Vec<PathBuf>,
    /// Layers downloaded in this call (already checked on the way in).
    downloaded: Vec<bool>,
    from_cache: bool,
}

/// Error context: which registry and reference, and whether credentials were given.
struct Context<'a> {
    registry: &'a str,
    reference: &'a str,
    http: bool,
    with_credentials: bool,
}

impl Context<'_> {
    fn map(&self, error: OciDistributionError) -> OciError {
        use OciDistributionError as E;
        let auth_failed = || OciError::AuthenticationFailed {
            registry: self.registry.to_owned(),
            hint: if self.with_credentials {
                "check the user name and password (from --user/--password, WASH_REG_USER/WASH_REG_PASSWORD, `wash reg login` or ~/.docker/config.json)"
            } else {
                "the registry wants credentials: pass `--user` and `--password`, set WASH_REG_USER/WASH_REG_PASSWORD, or run `wash reg login <registry>`"
            },
        };
        let not_found = || OciError::NotFound {
            reference: self.reference.to_owned(),
            registry: self.registry.to_owned(),
        };
        match error {
            E::AuthenticationFailure(_) | E::UnauthorizedError { .. } => auth_failed(),
            E::ServerError {
                code: 401 | 403, ..
            } => auth_failed(),
            E::ServerError { code: 404, .. } | E::ImageManifestNotFoundError(_) => not_found(),
            E::RegistryError { ref envelope, .. } => {
                let codes: Vec<&OciErrorCode> = envelope.errors.iter().map(|e| &e.code).collect();
                if codes
                    .iter()
                    .any(|c| matches!(c, OciErrorCode::Unauthorized | OciErrorCode::Denied))
                {
                    auth_failed()
                } else if codes.iter().any(|c| {
                    matches!(
                        c,
                        OciErrorCode::ManifestUnknown
                            | OciErrorCode::NameUnknown
                            | OciErrorCode::BlobUnknown
                            | OciErrorCode::NotFound
                    )
                }) {
                    not_found()
                } else {
                    self.other(error.to_string())
                }
            }
            E::DigestError(oci_client::errors::DigestError::VerificationError {
                expected,
                actual,
            }) => OciError::DigestMismatch {
                what: format!("content of `{}`", self.reference),
                expected,
                actual,
            },
            E::RequestError(e) => self.request(&e),
            other => self.other(other.to_string()),
        }
    }

    fn request(&self, error: &reqwest::Error) -> OciError {
        match error.status().map(|s| s.as_u16()) {
            Some(401 | 403) => {
                return self.map(OciDistributionError::UnauthorizedError { url: String::new() })
            }
            Some(404) => {
                return OciError::NotFound {
                    reference: self.reference.to_owned(),
                    registry: self.registry.to_owned(),
                }
            }
            _ => {}
        }
        if error.is_connect() || error.is_timeout() || error.is_request() {
            let mut reason = if error.is_timeout() {
                "timed out".to_owned()
            } else {
                error.to_string()
            };
            let mut source = std::error::Error::source(error);
            while let Some(cause) = source {
                reason = cause.to_string();
                source = cause.source();
            }
            let mut hint = "check that the registry is running and reachable".to_owned();
            if !self.http {
                hint.push_str("; if it serves plain HTTP, pass `--insecure`");
            }
            hint.push_str(
                "; a pull pinned with `--digest` or `@sha256:` is served from the cache without the network",
            );
            return OciError::Unreachable {
                registry: self.registry.to_owned(),
                reason,
                hint,
            };
        }
        self.other(error.to_string())
    }

    fn other(&self, message: String) -> OciError {
        OciError::Registry {
            registry: self.registry.to_owned(),
            message,
        }
    }
}

/// reqwest with `rustls-no-provider` needs a process-wide crypto provider: ring, already in the tree.
fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Someone else may have installed one first; theirs is fine too.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

fn client_for(registry: &str, insecure: &[String]) -> (Client, bool) {
    install_crypto_provider();
    let http = is_insecure_registry(registry, insecure);
    let config = ClientConfig {
        protocol: if http {
            ClientProtocol::Http
        } else {
            ClientProtocol::Https
        },
        // Small blobs (config) in one PUT; the layer goes through `put_blob`, streamed.
        use_monolithic_push: true,
        connect_timeout: Some(CONNECT_TIMEOUT),
        read_timeout: Some(READ_TIMEOUT),
        platform_resolver: None,
        user_agent: USER_AGENT,
        ..ClientConfig::default()
    };
    (Client::new(config), http)
}

/// A plain HTTP client with the same limits as oci-client's, for the blob upload it lacks.
fn http_client() -> Result<reqwest::Client, OciDistributionError> {
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .read_timeout(READ_TIMEOUT)
        .user_agent(USER_AGENT)
        .build()
        .map_err(OciDistributionError::RequestError)
}

/// A client for the registry of `target`, the wording of errors about `reference`, and the
/// credentials to send.
fn session<'a>(
    target: &'a ArtifactRef,
    reference: &'a str,
    insecure: &[String],
    credentials: Option<&Credentials>,
) -> (Client, Context<'a>, RegistryAuth) {
    let registry = target.registry();
    let (client, http) = client_for(registry, insecure);
    let context = Context {
        registry,
        reference,
        http,
        with_credentials: credentials.is_some(),
    };
    (client, context, registry_auth(credentials))
}

fn registry_auth(credentials: Option<&Credentials>) -> RegistryAuth {
    match credentials {
        Some(c) => RegistryAuth::Basic(c.username.clone(), c.password.clone()),
        None => RegistryAuth::Anonymous,
    }
}

/// Runs blocking file work off the async threads; a panic there is re-raised here.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    match tokio::task::spawn_blocking(work).await {
        Ok(value) => value,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

/// Pushes an actor module or provider archive (told apart by content) as a one-layer artifact with
/// wash 0.x's media types and manifest bytes. The file is read twice (classify+hash, then upload),
/// never held in memory.
pub async fn push(
    reference: &str,
    file: &Path,
    options: &PushOptions,
    progress: Arc<dyn Progress>,
) -> Result<PushReport, OciError> {
    let target = ArtifactRef::parse(reference)?;
    target.check_push_tag(options.allow_latest)?;
    let annotations = parse_annotations(&options.annotations)?;
    let config_bytes = match &options.config {
        Some(path) => tokio::fs::read(path)
            .await
            .map_err(OciError::io("read", path))?,
        None => b"{}".to_vec(),
    };
    let path = file.to_owned();
    let classified = blocking(move || {
        let opened = std::fs::File::open(&path).map_err(OciError::io("read", &path))?;
        classify(BufReader::with_capacity(IO_BUFFER, opened))
            .map_err(|reason| OciError::UnsupportedArtifact { path, reason })
    })
    .await?;

    let (client, context, auth) = session(
        &target,
        reference,
        &options.insecure,
        options.credentials.as_ref(),
    );
    let image = &target.parsed;
    let token = client
        .auth(image, &auth, RegistryOperation::Push)
        .await
        .map_err(|e| context.map(e))?;

    let exists = client
        .blob_exists(image, &classified.digest)
        .await
        .map_err(|e| context.map(e))?;
    if !exists {
        let opened = tokio::fs::File::open(file)
            .await
            .map_err(OciError::io("read", file))?;
        let counter = progress.clone();
        let stream =
            tokio_util::io::ReaderStream::with_capacity(opened, IO_BUFFER).inspect(move |chunk| {
                if let Ok(bytes) = chunk {
                    counter.advance(bytes.len() as u64);
                }
            });
        progress.begin(
            &format!("Pushing {}", short(&classified.digest)),
            classified.size,
        );
        let http = http_client().map_err(|e| context.map(e))?;
        let pushed = put_blob(
            &http,
            if context.http { "http" } else { "https" },
            image,
            &BlobAuth::new(token, options.credentials.as_ref()),
            reqwest::Body::wrap_stream(stream),
            &classified.digest,
            classified.size,
        )
        .await;
        progress.end();
        pushed.map_err(|e| context.map(e))?;
    }
    let config_digest = sha256_digest(&config_bytes);
    let config_size = config_bytes.len() as u64;
    if !client
        .blob_exists(image, &config_digest)
        .await
        .map_err(|e| context.map(e))?
    {
        client
            .push_blob(image, config_bytes, &config_digest)
            .await
            .map_err(|e| context.map(e))?;
    }
    let manifest = Manifest::for_artifact(
        classified.kind,
        (classified.digest.clone(), classified.size),
        (config_digest, config_size),
        annotations,
    );
    let body = manifest.to_canonical_bytes();
    let manifest_digest = sha256_digest(&body);
    let content_type = reqwest::header::HeaderValue::from_static(OCI_MANIFEST_MEDIA_TYPE);
    client
        .push_manifest_raw(image, body, content_type)
        .await
        .map_err(|e| context.map(e))?;
    Ok(PushReport {
        reference: reference.to_owned(),
        manifest_digest,
        kind: classified.kind,
        layer_digest: classified.digest,
        size: classified.size,
        uploaded: !exists,
    })
}

/// `sha256:ab12cd34ef56` for labels.
fn short(digest: &str) -> &str {
    digest.get(..19).unwrap_or(digest)
}

/// The manifest digest a pull must match: `options.digest`, else the reference's `@sha256:`.
fn pinned_digest(target: &ArtifactRef, options: &PullOptions) -> Result<Option<String>, OciError> {
    let given = options
        .digest
        .as_deref()
        .map(normalize_digest)
        .transpose()?;
    let in_ref = target.digest().map(normalize_digest).transpose()?;
    match (given, in_ref) {
        (Some(a), Some(b)) if a != b => Err(OciError::DigestMismatch {
            what: format!("the digest pinned in `{}`", target.input),
            expected: a,
            actual: b,
        }),
        (a, b) => Ok(a.or(b)),
    }
}

/// Resolves a manifest and its layers from the cache alone, if it has all of them.
fn from_cache(cache: &Cache, digest: &str, reference: &str) -> Result<Option<Fetched>, OciError> {
    let Some(bytes) = cache.read_small_blob(digest)? else {
        return Ok(None);
    };
    let manifest = Manifest::parse_for_pull(&bytes, reference)?;
    let mut layers = Vec::new();
    for layer in &manifest.layers {
        if !cache.has_blob(&layer.digest) {
            return Ok(None);
        }
        layers.push(cache.blob_path(&layer.digest)?);
    }
    let downloaded = vec![false; layers.len()];
    Ok(Some(Fetched {
        manifest,
        manifest_digest: digest.to_owned(),
        layers,
        downloaded,
        from_cache: true,
    }))
}

/// Brings the manifest and every layer of `reference` into the cache, checking every digest.
async fn fetch(
    reference: &str,
    options: &PullOptions,
    progress: &Arc<dyn Progress>,
) -> Result<Fetched, OciError> {
    let target = ArtifactRef::parse(reference)?;
    target.check_pull_tag(options.allow_latest)?;
    let pinned = pinned_digest(&target, options)?;
    let cache = Cache::new(&options.cache_dir);
    if let Some(digest) = &pinned {
        if let Some(found) = from_cache(&cache, digest, reference)? {
            tracing::debug!("serving `{reference}` ({digest}) from the cache");
            return Ok(found);
        }
    }
    if options.offline {
        let digest = pinned.or_else(|| cache.lookup_tag(&target));
        if let Some(digest) = digest {
            if let Some(found) = from_cache(&cache, &digest, reference)? {
                return Ok(found);
            }
        }
        return Err(OciError::NotCached {
            reference: reference.to_owned(),
            cache: options.cache_dir.clone(),
        });
    }

    let (client, context, auth) = session(
        &target,
        reference,
        &options.insecure,
        options.credentials.as_ref(),
    );
    // Ask by tag (or by the reference's digest); the pin is compared below, before anything is kept.
    let image = &target.parsed;
    let body = pull_manifest(&client, image, &auth, &context).await?;
    let manifest_digest = sha256_digest(&body);
    if let Some(expected) = &pinned {
        if *expected != manifest_digest {
            return Err(OciError::DigestMismatch {
                what: format!("the manifest of `{reference}`"),
                expected: expected.clone(),
                actual: manifest_digest,
            });
        }
    }
    let manifest = Manifest::parse_for_pull(&body, reference)?;
    cache.write_blob(&body)?;

    let mut layers = Vec::new();
    let mut downloaded = Vec::new();
    for layer in &manifest.layers {
        if cache.has_blob(&layer.digest) {
            layers.push(cache.blob_path(&layer.digest)?);
            downloaded.push(false);
            continue;
        }
        let temp = cache.temp_file()?;
        progress.begin(&format!("Pulling {}", short(&layer.digest)), layer.size);
        let pulled = download(&client, image, &layer.digest, &temp, progress).await;
        progress.end();
        pulled.map_err(|e| match e {
            OciDistributionError::DigestError(
                oci_client::errors::DigestError::VerificationError { actual, .. },
            ) => OciError::DigestMismatch {
                what: format!("layer of `{reference}`"),
                expected: layer.digest.clone(),
                actual,
            },
            other => context.map(other),
        })?;
        layers.push(cache.commit(temp, &layer.digest)?);
        downloaded.push(true);
    }
    cache.record_tag(&target, &manifest_digest)?;
    Ok(Fetched {
        manifest,
        manifest_digest,
        layers,
        downloaded,
        from_cache: false,
    })
}

/// Streams one blob into `temp`. oci-client hashes the stream as it arrives (once when the
/// registry's digest header equals the layer digest) and fails at the end on a mismatch.
async fn download(
    client: &Client,
    image: &oci_client::Reference,
    digest: &str,
    temp: &tempfile::NamedTempFile,
    progress: &Arc<dyn Progress>,
) -> Result<(), OciDistributionError> {
    use tokio::io::AsyncWriteExt as _;
    let mut stream = client.pull_blob_stream(image, digest).await?;
    let file = tokio::fs::File::from_std(temp.reopen()?);
    let mut writer = tokio::io::BufWriter::with_capacity(IO_BUFFER, file);
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(stream_error)?;
        writer.write_all(&chunk).await?;
        progress.advance(chunk.len() as u64);
    }
    writer.flush().await?;
    Ok(())
}

/// Recovers the digest or transport error oci-client wraps in the `io::Error` of a blob stream.
fn stream_error(error: std::io::Error) -> OciDistributionError {
    use oci_client::errors::DigestError;
    if let Some(DigestError::VerificationError { expected, actual }) = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<DigestError>())
    {
        return OciDistributionError::DigestError(DigestError::VerificationError {
            expected: expected.clone(),
            actual: actual.clone(),
        });
    }
    if error
        .get_ref()
        .is_some_and(|inner| inner.is::<reqwest::Error>())
    {
        if let Some(Ok(request)) = error
            .into_inner()
            .map(|inner| inner.downcast::<reqwest::Error>())
        {
            return OciDistributionError::RequestError(*request);
        }
        return OciDistributionError::GenericError(Some("the download failed".into()));
    }
    OciDistributionError::IoError(error)
}

/// Pulls an artifact for a host: the concatenated layers (in practice one), every digest checked,
/// through the cache (a reference pinned by digest that is cached needs no network). Credentials in
/// `options` are used as given (no file lookup); `localhost`/`127.0.0.1` are plain HTTP.
pub async fn pull_artifact(reference: &str, options: &PullOptions) -> Result<Vec<u8>, OciError> {
    let progress: Arc<dyn Progress> = Arc::new(crate::NoProgress);
    let fetched = fetch(reference, options, &progress).await?;
    let cache = Cache::new(&options.cache_dir);
    blocking(move || {
        let mut artifact = Vec::new();
        let layers = fetched.manifest.layers.iter().zip(&fetched.layers);
        for ((layer, path), downloaded) in layers.zip(&fetched.downloaded) {
            if *downloaded {
                // Checked against its digest on the way in.
                artifact.extend(std::fs::read(path).map_err(OciError::io("read", path))?);
            } else {
                artifact.extend(cache.read_blob_verified(&layer.digest)?);
            }
        }
        Ok(artifact)
    })
    .await
}

/// Pulls an artifact into `destination` (default: `<repository name>.wasm` or `.par.gz` in the
/// current folder): checks every digest, checks that the content is an actor or a provider archive,
/// and writes the file atomically — on any error nothing is written.
pub async fn pull_to_file(
    reference: &str,
    options: &PullOptions,
    destination: Option<&Path>,
    progress: Arc<dyn Progress>,
) -> Result<PullReport, OciError> {
    let fetched = fetch(reference, options, &progress).await?;
    let short_name = ArtifactRef::parse(reference)?.short_name().to_owned();
    let destination = destination.map(Path::to_path_buf);
    let reference = reference.to_owned();
    blocking(move || write_artifact(&fetched, &reference, &short_name, destination)).await
}

/// One pass over the cached layers: verify digests (unless just downloaded, which were checked on the
/// way in), tell the kind, copy. Every byte is hashed once per pull.
fn write_artifact(
    fetched: &Fetched,
    reference: &str,
    short_name: &str,
    destination: Option<PathBuf>,
) -> Result<PullReport, OciError> {
    // The kind decides the default file name, so the destination is named only after the pass.
    let dir = destination
        .as_deref()
        .and_then(Path::parent)
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let mut builder = tempfile::Builder::new();
    builder.prefix(".wash-pull-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    let mut temp = builder
        .tempfile_in(&dir)
        .map_err(OciError::io("create a file in", &dir))?;
    let mut checks = Vec::new();
    let mut readers: Vec<Box<dyn Read>> = Vec::new();
    let layers = fetched.manifest.layers.iter().zip(&fetched.layers);
    for ((layer, path), downloaded) in layers.zip(&fetched.downloaded) {
        let file = std::fs::File::open(path).map_err(OciError::io("read", path))?;
        let buffered = BufReader::with_capacity(IO_BUFFER, file);
        if *downloaded {
            // Checked on the way in.
            readers.push(Box::new(buffered));
            continue;
        }
        let digest = Arc::new(std::sync::Mutex::new(None));
        checks.push((layer.digest.clone(), digest.clone(), path.clone()));
        readers.push(Box::new(LayerReader {
            inner: Some(HashingReader::new(buffered)),
            out: digest,
        }));
    }
    let chained = readers
        .into_iter()
        .reduce(|a, b| Box::new(a.chain(b)))
        .ok_or_else(|| OciError::InvalidManifest {
            reference: reference.to_owned(),
            reason: "it has no layers".into(),
        })?;
    let mut writer = BufWriter::with_capacity(IO_BUFFER, temp.as_file_mut());
    let identified = identify(TeeReader {
        inner: chained,
        out: &mut writer,
    });
    let written = writer.flush();
    drop(writer);
    for (expected, actual, path) in &checks {
        let actual = actual.lock().map(|a| a.clone()).unwrap_or_default();
        if actual.as_deref() != Some(expected.as_str()) {
            // A cached blob that no longer matches: drop it so the next pull fetches it again.
            let _ = std::fs::remove_file(path);
            return Err(OciError::DigestMismatch {
                what: format!("cached layer of `{reference}`"),
                expected: expected.clone(),
                actual: actual.unwrap_or_else(|| "an unreadable file".into()),
            });
        }
    }
    let (kind, size) = identified.map_err(|reason| OciError::InvalidArtifact {
        reference: reference.to_owned(),
        reason,
    })?;
    let path =
        destination.unwrap_or_else(|| PathBuf::from(format!("{short_name}{}", kind.extension())));
    written
        .and_then(|()| temp.as_file().sync_all())
        .map_err(OciError::io("write", &path))?;
    temp.persist(&path)
        .map_err(|e| OciError::io("write", &path)(e.error))?;
    Ok(PullReport {
        file: path,
        kind,
        manifest_digest: fetched.manifest_digest.clone(),
        size,
        from_cache: fetched.from_cache,
    })
}

/// Reads one layer, hashing it; stores `sha256:<hex>` in `out` when it reaches the end.
struct LayerReader<R> {
    inner: Option<HashingReader<R>>,
    out: Arc<std::sync::Mutex<Option<String>>>,
}

impl<R: Read> Read for LayerReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let Some(inner) = self.inner.as_mut() else {
            return Ok(0);
        };
        let n = inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            if let Some(done) = self.inner.take() {
                let (digest, _) = done.finish();
                if let Ok(mut slot) = self.out.lock() {
                    *slot = digest;
                }
            }
        }
        Ok(n)
    }
}

/// Copies everything read through it to `out`.
struct TeeReader<'a, R, W> {
    inner: R,
    out: &'a mut W,
}

impl<R: Read, W: Write> Read for TeeReader<'_, R, W> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.out.write_all(&buf[..n])?;
        Ok(n)
    }
}

/// Asks the registry for the manifest of `reference` (nothing is cached or downloaded besides it) and
/// returns its digest: whether the artifact is there, as wash 0.18.1's `reg ping URL` checked.
pub async fn manifest_digest(reference: &str, options: &PullOptions) -> Result<String, OciError> {
    let target = ArtifactRef::parse(reference)?;
    let (client, context, auth) = session(
        &target,
        reference,
        &options.insecure,
        options.credentials.as_ref(),
    );
    let body = pull_manifest(&client, &target.parsed, &auth, &context).await?;
    Ok(sha256_digest(&body))
}

/// The raw manifest of `image` (OCI or Docker media type).
async fn pull_manifest(
    client: &Client,
    image: &oci_client::Reference,
    auth: &RegistryAuth,
    context: &Context<'_>,
) -> Result<impl std::ops::Deref<Target = [u8]>, OciError> {
    let (body, _) = client
        .pull_manifest_raw(
            image,
            auth,
            &[OCI_MANIFEST_MEDIA_TYPE, DOCKER_MANIFEST_MEDIA_TYPE],
        )
        .await
        .map_err(|e| context.map(e))?;
    Ok(body)
}

/// Checks that a registry answers the distribution API (`GET /v2/`), with credentials when it asks
/// for them (basic, or a token service).
pub async fn ping(
    registry: &str,
    credentials: Option<&Credentials>,
    insecure: &[String],
) -> Result<PingReport, OciError> {
    install_crypto_provider();
    let registry = crate::auth::normalize_registry(registry);
    let http = is_insecure_registry(&registry, insecure);
    let scheme = if http { "http" } else { "https" };
    let context = Context {
        registry: &registry,
        reference: &registry,
        http,
        with_credentials: credentials.is_some(),
    };
    let client = reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(READ_TIMEOUT)
        .user_agent(concat!("wash/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| context.other(e.to_string()))?;
    let url = format!("{scheme}://{registry}/v2/");
    let response = client
        .get(&url)
        .send()
        .await
        .map_err(|e| context.request(&e))?;
    let report = |authenticated| PingReport {
        registry: registry.clone(),
        scheme,
        authenticated,
    };
    if response.status().is_success() {
        return Ok(report(false));
    }
    if response.status() != reqwest::StatusCode::UNAUTHORIZED {
        return Err(context.other(format!("`GET {url}` answered {}", response.status())));
    }
    let Some(credentials) = credentials else {
        return Err(context.map(OciDistributionError::UnauthorizedError { url }));
    };
    let challenge = response
        .headers()
        .get(reqwest::header::WWW_AUTHENTICATE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let request = match bearer_realm(&challenge) {
        Some((realm, service)) => {
            let mut query = Vec::new();
            if let Some(service) = service {
                query.push(("service", service));
            }
            client.get(realm).query(&query)
        }
        None => client.get(&url),
    };
    let answer = request
        .basic_auth(&credentials.username, Some(&credentials.password))
        .send()
        .await
        .map_err(|e| context.request(&e))?;
    if answer.status().is_success() {
        Ok(report(true))
    } else if matches!(answer.status().as_u16(), 401 | 403) {
        Err(context.map(OciDistributionError::UnauthorizedError { url }))
    } else {
        Err(context.other(format!("the login request answered {}", answer.status())))
    }
}

/// `Bearer realm="...",service="..."` → (realm, service).
fn bearer_realm(challenge: &str) -> Option<(String, Option<String>)> {
    let (scheme, params) = challenge.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let mut realm = None;
    let mut service = None;
    for part in params.split(',') {
        let Some((key, value)) = part.trim().split_once('=') else {
            continue;
        };
        let value = value.trim_matches('"').to_owned();
        match key.trim().to_ascii_lowercase().as_str() {
            "realm" => realm = Some(value),
            "service" => service = Some(value),
            _ => {}
        }
    }
    Some((realm?, service))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A bearer challenge yields its realm and service; a basic one yields nothing.
    #[test]
    fn parses_bearer_challenges() {
        assert_eq!(
            bearer_realm(r#"Bearer realm="https://auth.example/token",service="registry.example""#),
            Some((
                "https://auth.example/token".into(),
                Some("registry.example".into())
            ))
        );
        assert_eq!(bearer_realm(r#"Basic realm="wash-test""#), None);
    }
}
