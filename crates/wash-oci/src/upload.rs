//! One streaming PUT per blob: the distribution spec's monolithic upload (a POST opens an upload
//! session, one PUT carrying `?digest=` and every byte closes it). oci-client 0.16 uploads a stream as
//! 4 MiB PATCHes, one round trip each; one request is what a plain upload costs. Authentication is
//! oci-client's (its bearer token for the push scope), errors are its error type, so callers map them
//! as they map the client's own.

use oci_client::errors::{OciDistributionError, OciEnvelope};
use oci_client::Reference;
use reqwest::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE, LOCATION};
use reqwest::{StatusCode, Url};

use crate::auth::Credentials;

/// How to authenticate blob requests: what oci-client's `auth` call left us.
pub(crate) enum BlobAuth {
    /// No credentials needed or given.
    Anonymous,
    /// A bearer token for the push scope.
    Bearer(String),
    /// Basic credentials, sent as they are.
    Basic(Credentials),
}

impl BlobAuth {
    /// What oci-client's `auth` returned (a bearer token, if the registry issues them), else the
    /// credentials given.
    pub(crate) fn new(token: Option<String>, credentials: Option<&Credentials>) -> Self {
        match (token, credentials) {
            (Some(token), _) => Self::Bearer(token),
            (None, Some(credentials)) => Self::Basic(credentials.clone()),
            (None, None) => Self::Anonymous,
        }
    }

    fn apply(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self {
            Self::Anonymous => request,
            Self::Bearer(token) => request.bearer_auth(token),
            Self::Basic(c) => request.basic_auth(&c.username, Some(&c.password)),
        }
    }
}

/// Uploads `body` (`size` bytes whose SHA-256 is `digest`) as a blob of `image`'s repository.
pub(crate) async fn put_blob(
    http: &reqwest::Client,
    scheme: &str,
    image: &Reference,
    auth: &BlobAuth,
    body: reqwest::Body,
    digest: &str,
    size: u64,
) -> Result<(), OciDistributionError> {
    let start = format!(
        "{scheme}://{}/v2/{}/blobs/uploads/",
        image.resolve_registry(),
        image.repository()
    );
    let opened = auth.apply(http.post(&start)).send().await?;
    if opened.status() != StatusCode::ACCEPTED {
        return Err(status_error(opened).await);
    }
    let location = opened
        .headers()
        .get(LOCATION)
        .and_then(|value| value.to_str().ok())
        .ok_or(OciDistributionError::RegistryNoLocationError)?;
    // The location may be relative to the registry; it may carry a query (a session state) already.
    let mut url = Url::parse(&start)
        .and_then(|base| base.join(location))
        .map_err(|e| OciDistributionError::SpecViolationError(format!("upload location: {e}")))?;
    url.query_pairs_mut().append_pair("digest", digest);
    let put = auth
        .apply(http.put(url))
        .header(
            CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        )
        .header(CONTENT_LENGTH, size)
        .body(body)
        .send()
        .await?;
    if put.status() != StatusCode::CREATED {
        return Err(status_error(put).await);
    }
    Ok(())
}

/// The registry's error: its JSON error envelope when it sent one, else the status and body text.
async fn status_error(response: reqwest::Response) -> OciDistributionError {
    let code = response.status().as_u16();
    let url = response.url().to_string();
    let text = response.text().await.unwrap_or_default();
    match serde_json::from_str::<OciEnvelope>(&text) {
        Ok(envelope) if !envelope.errors.is_empty() => {
            OciDistributionError::RegistryError { envelope, url }
        }
        _ => OciDistributionError::ServerError {
            code,
            url,
            message: text,
        },
    }
}
