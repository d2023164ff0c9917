//! The cluster's API as the backend uses it: a client that is checked to
//! answer (with an error naming what is missing when none does), server-side
//! apply as the field manager `devnet`, and the namespace's end: deleted
//! and waited for, and what a killed `devnet` left behind.

use super::manifests::{self, MANAGER};
use anyhow::{Context, bail};
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{DeleteParams, Patch, PatchParams};
use kube::{Api, Client};
use std::fmt::Debug;
use std::time::Duration;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long an `up` finding a leftover namespace waits for it to be gone.
const LEFTOVER_GONE: Duration = Duration::from_secs(90);

/// The environment variable naming a kubeconfig for devnet alone (else
/// `KUBECONFIG`, `~/.kube/config`, or the pod's service account).
pub const KUBECONFIG_ENV: &str = "DEVNET_KUBECONFIG";

/// A client of the cluster in `$DEVNET_KUBECONFIG`, else the one kube
/// infers (as kubectl does), checked to answer.
pub async fn connect() -> anyhow::Result<Client> {
    let config = match std::env::var_os(KUBECONFIG_ENV) {
        Some(path) => {
            let kubeconfig = kube::config::Kubeconfig::read_from(&path)
                .with_context(|| format!("reading the kubeconfig {} (${KUBECONFIG_ENV})", path.to_string_lossy()))?;
            kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
                .await
                .with_context(|| format!("using the kubeconfig {} (${KUBECONFIG_ENV})", path.to_string_lossy()))?
        }
        None => kube::Config::infer().await.map_err(|e| {
            anyhow::anyhow!(
                "no Kubernetes cluster is configured: set {KUBECONFIG_ENV} or KUBECONFIG to a kubeconfig, or \
                 write ~/.kube/config (kind, k3s and minikube write one) ({e})"
            )
        })?,
    };
    let url = config.cluster_url.clone();
    let client = Client::try_from(config).with_context(|| format!("making a client for {url}"))?;
    match tokio::time::timeout(CONNECT_TIMEOUT, client.apiserver_version()).await {
        Ok(Ok(_)) => Ok(client),
        Ok(Err(e)) => bail!("the Kubernetes API server at {url} does not answer: {e}"),
        Err(_) => bail!("the Kubernetes API server at {url} does not answer within {CONNECT_TIMEOUT:?}"),
    }
}

pub fn apply_params() -> PatchParams {
    PatchParams::apply(MANAGER).force()
}

pub async fn apply<K>(api: &Api<K>, name: &str, object: &K) -> anyhow::Result<K>
where
    K: kube::Resource<DynamicType = ()> + Clone + Debug + serde::Serialize + serde::de::DeserializeOwned,
{
    api.patch(name, &apply_params(), &Patch::Apply(object))
        .await
        .with_context(|| format!("applying {} {name}", K::kind(&())))
}

/// Whole seconds, rounded up.
pub fn grace_seconds(grace: Duration) -> u32 {
    u32::try_from(grace.as_secs()).unwrap_or(u32::MAX).saturating_add(u32::from(grace.subsec_nanos() > 0))
}

/// Deletes `namespace` and waits up to `wait` for it to be gone; true once it is.
pub async fn delete_namespace(client: &Client, namespace: &str, grace: u32, wait: Duration) -> anyhow::Result<bool> {
    let namespaces: Api<Namespace> = Api::all(client.clone());
    let params = DeleteParams { grace_period_seconds: Some(grace), ..Default::default() };
    match namespaces.delete(namespace, &params).await {
        Ok(_) => {}
        Err(kube::Error::Api(s)) if s.is_not_found() => return Ok(true),
        Err(e) => return Err(e).with_context(|| format!("deleting the namespace {namespace}")),
    }
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        if namespaces.get_opt(namespace).await?.is_none() {
            return Ok(true);
        }
        if tokio::time::Instant::now() >= deadline {
            return Ok(false);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Deletes what a killed devnet of the cluster in `dir` left in `namespace`
/// (waiting until it is gone); refuses a namespace that is not its own.
pub async fn clear_leftover(client: &Client, namespace: &str, dir: &str) -> anyhow::Result<bool> {
    let namespaces: Api<Namespace> = Api::all(client.clone());
    let Some(existing) = namespaces.get_opt(namespace).await.context("looking for the devnet's namespace")? else {
        return Ok(false);
    };
    let owner = existing.metadata.annotations.as_ref().and_then(|a| a.get(manifests::ANNOTATION_DIR));
    match owner {
        Some(o) if o == dir => {}
        Some(o) => bail!(
            "the namespace {namespace} belongs to the devnet of {o}; stop it (or `kubectl delete namespace \
             {namespace}`), or give this cluster another name"
        ),
        None => bail!(
            "a namespace named {namespace} exists and is not this devnet's (applied from `devnet manifests`?); \
             delete it (`kubectl delete namespace {namespace}`) or give this cluster another name"
        ),
    }
    // This process holds the cluster directory's lock: no devnet of it runs.
    if !delete_namespace(client, namespace, 0, LEFTOVER_GONE).await? {
        bail!("the namespace {namespace} a killed devnet left was still being deleted after {LEFTOVER_GONE:?}");
    }
    Ok(true)
}
