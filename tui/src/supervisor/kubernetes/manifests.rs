//! Everything one devnet is on Kubernetes, as objects: pure functions of
//! the cluster's name, its nodes and its files, used both by the backend
//! (server-side apply) and by `devnet manifests` (YAML to apply by hand).
//!
//! In the namespace `devnet-<cluster>`, in the order they are applied:
//! - per node a `Service` named after it (`n0`): a ClusterIP that is the
//!   node's advertised address (nodes.json), ports `grpc` 7000 and `metrics`
//!   9100, `publishNotReadyAddresses` so a peer reaches a node whatever its
//!   readiness says (a frozen node must look hung, not gone);
//! - the ConfigMap `devnet-files`: `genesis.json` and the pods' `nodes.json`;
//! - per node a Secret `<node>-secrets`: the cluster token and the node's
//!   key, mode 0400, each node seeing only its own key;
//! - per node a `StatefulSet` of one replica named after it, so its pod is
//!   always `<node>-0` and its store always the claim `store-<node>-0`
//!   (1 Gi, the cluster's default storage class, kept when the set scales
//!   to 0). Its one container runs `devnet-node:<version>` (the docker
//!   backend's image, `IfNotPresent`: no registry has it, it is loaded into
//!   the cluster's nodes, README "Beyond one machine"), root without
//!   capabilities on a read-only root filesystem (the store's volume needs
//!   no ownership change that way, whatever provisions it), the runtime's
//!   default seccomp profile, a gRPC readiness probe on port 7000 (the node serves
//!   grpc.health.v1 through tonic-health; Kubernetes ≥ 1.27 probes it
//!   natively), and no liveness probe: a node the devnet froze on purpose
//!   must not be restarted by the kubelet.
//!
//! Service IPs: the backend creates the Services without one and reads back
//! what the cluster assigned; written manifests cannot ask, so they fix each
//! Service's `clusterIP` (node i at a first address + i, which must lie in
//! the cluster's service range; Kubernetes keeps the low end of that range
//! for addresses asked for this way, KEP-3070).
//!
//! Every object carries the labels `app.kubernetes.io/name: devnet-node`
//! (but the namespace), `app.kubernetes.io/instance: <cluster>`,
//! `app.kubernetes.io/managed-by: devnet`, and the node's own objects
//! `devnet/node: <id>`.

use k8s_openapi::ByteString;
use k8s_openapi::api::apps::v1::{StatefulSet, StatefulSetSpec};
use k8s_openapi::api::core::v1::{
    Capabilities, ConfigMap, ConfigMapVolumeSource, Container, ContainerPort, GRPCAction, Namespace,
    PersistentVolumeClaim, PersistentVolumeClaimSpec, PodSpec, PodTemplateSpec, Probe, SeccompProfile, Secret,
    SecretVolumeSource, SecurityContext, Service, ServicePort, ServiceSpec, Volume, VolumeMount,
    VolumeResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use super::files::{FILES_DIR, GRPC_PORT, METRICS_PORT, SECRET_DIR, STORE_MOUNT};

pub const LABEL_NAME: &str = "app.kubernetes.io/name";
pub const LABEL_INSTANCE: &str = "app.kubernetes.io/instance";
pub const LABEL_MANAGED_BY: &str = "app.kubernetes.io/managed-by";
pub const LABEL_NODE: &str = "devnet/node";
/// On the namespace the backend makes: the cluster directory it belongs to.
pub const ANNOTATION_DIR: &str = "devnet/dir";
pub const MANAGER: &str = "devnet";
pub const CONTAINER: &str = "node";
pub const FILES_CONFIG_MAP: &str = "devnet-files";
const STORE_VOLUME: &str = "store";
const STORE_SIZE: &str = "1Gi";
/// The grace of a pod the StatefulSet removes (namespace deletion, scale to 0):
/// a node stops in milliseconds on SIGTERM; the backend's own stops give theirs.
const TERMINATION_GRACE_SECONDS: i64 = 10;

/// The namespace of cluster `cluster`.
pub fn namespace_name(cluster: &str) -> String {
    format!("devnet-{cluster}")
}

/// A cluster name Kubernetes takes: the namespace and labels need DNS-1123 labels.
pub fn check_cluster_name(cluster: &str) -> Result<(), String> {
    let ns = namespace_name(cluster);
    let ok = ns.len() <= 63
        && cluster.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !cluster.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "the kubernetes backend puts cluster {cluster:?} in the namespace {ns:?}, which Kubernetes refuses: \
             use a `name` of lowercase letters, digits and '-', at most 56 characters, not ending in '-'"
        ))
    }
}

/// The pod a node's StatefulSet runs.
pub fn pod_name(node: &str) -> String {
    format!("{node}-0")
}

pub fn secret_name(node: &str) -> String {
    format!("{node}-secrets")
}

/// One node, as its objects need it.
#[derive(Clone, Debug)]
pub struct NodeSpec {
    pub id: String,
    /// `devnet-node`'s arguments inside the pod (`files::pod_command`).
    pub args: Vec<String>,
    /// Its Service's IP when the manifests fix it; `None`: the cluster assigns one.
    pub service_ip: Option<Ipv4Addr>,
}

/// The files the pods read, as text.
#[derive(Clone, Debug)]
pub struct Contents {
    pub genesis: String,
    /// The pods' node list (Service IPs), not the orchestrator's.
    pub nodes: String,
    pub token: String,
    /// Node i's key (`None` for a node without one).
    pub keys: Vec<Option<String>>,
}

/// One object of a devnet, in its place in the apply order (boxed: their
/// sizes differ by kilobytes).
#[derive(Clone, Debug, PartialEq)]
pub enum Manifest {
    Namespace(Box<Namespace>),
    Service(Box<Service>),
    ConfigMap(Box<ConfigMap>),
    Secret(Box<Secret>),
    StatefulSet(Box<StatefulSet>),
}

impl Manifest {
    fn kind_and_name(&self) -> (&'static str, &str) {
        fn name(m: &ObjectMeta) -> &str {
            m.name.as_deref().unwrap_or_default()
        }
        match self {
            Manifest::Namespace(o) => ("namespace", name(&o.metadata)),
            Manifest::Service(o) => ("service", name(&o.metadata)),
            Manifest::ConfigMap(o) => ("configmap", name(&o.metadata)),
            Manifest::Secret(o) => ("secret", name(&o.metadata)),
            Manifest::StatefulSet(o) => ("statefulset", name(&o.metadata)),
        }
    }

    /// `NN-kind-name.yaml`: sorted by name, the files are in apply order
    /// (`kubectl apply -f DIR` applies a directory's files in that order).
    pub fn file_name(&self, position: usize) -> String {
        let (kind, name) = self.kind_and_name();
        format!("{position:02}-{kind}-{name}.yaml")
    }

    pub fn to_yaml(&self) -> Result<String, serde_saphyr::ser::Error> {
        match self {
            Manifest::Namespace(o) => serde_saphyr::to_string(o),
            Manifest::Service(o) => serde_saphyr::to_string(o),
            Manifest::ConfigMap(o) => serde_saphyr::to_string(o),
            Manifest::Secret(o) => serde_saphyr::to_string(o),
            Manifest::StatefulSet(o) => serde_saphyr::to_string(o),
        }
    }
}

/// Every object of the devnet, in apply order. `dir` annotates the
/// namespace with the cluster directory (the backend's; none in written manifests).
pub fn all(cluster: &str, image: &str, nodes: &[NodeSpec], files: &Contents, dir: Option<&str>) -> Vec<Manifest> {
    let mut out = vec![Manifest::Namespace(Box::new(namespace(cluster, dir)))];
    out.extend(nodes.iter().map(|n| Manifest::Service(Box::new(service(cluster, n)))));
    out.push(Manifest::ConfigMap(Box::new(files_config_map(cluster, files))));
    for (i, n) in nodes.iter().enumerate() {
        let key = files.keys.get(i).cloned().flatten();
        out.push(Manifest::Secret(Box::new(secret(cluster, &n.id, &files.token, key.as_deref()))));
    }
    out.extend(nodes.iter().map(|n| Manifest::StatefulSet(Box::new(stateful_set(cluster, image, n)))));
    out
}

/// The YAML of `objects` as one multi-document stream.
pub fn to_yaml_stream(objects: &[Manifest]) -> Result<String, serde_saphyr::ser::Error> {
    let mut out = String::new();
    for o in objects {
        out.push_str("---\n");
        out.push_str(&o.to_yaml()?);
    }
    Ok(out)
}

/// Node i's Service IP when node 0's is `first`; `None` past the IPv4 space.
pub fn service_ips(first: Ipv4Addr, n: usize) -> Option<Vec<Ipv4Addr>> {
    (0..n).map(|i| u32::from(first).checked_add(u32::try_from(i).ok()?).map(Ipv4Addr::from)).collect()
}

fn labels(cluster: &str, node: Option<&str>) -> BTreeMap<String, String> {
    let mut l = BTreeMap::from([
        (LABEL_NAME.to_string(), "devnet-node".to_string()),
        (LABEL_INSTANCE.to_string(), cluster.to_string()),
        (LABEL_MANAGED_BY.to_string(), MANAGER.to_string()),
    ]);
    if let Some(n) = node {
        l.insert(LABEL_NODE.to_string(), n.to_string());
    }
    l
}

/// What selects a node's pod.
fn selector(cluster: &str, node: &str) -> BTreeMap<String, String> {
    BTreeMap::from([(LABEL_INSTANCE.to_string(), cluster.to_string()), (LABEL_NODE.to_string(), node.to_string())])
}

fn meta(cluster: &str, name: &str, node: Option<&str>) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_string()),
        namespace: Some(namespace_name(cluster)),
        labels: Some(labels(cluster, node)),
        ..Default::default()
    }
}

pub fn namespace(cluster: &str, dir: Option<&str>) -> Namespace {
    let mut l = labels(cluster, None);
    l.remove(LABEL_NAME);
    Namespace {
        metadata: ObjectMeta {
            name: Some(namespace_name(cluster)),
            labels: Some(l),
            annotations: dir.map(|d| BTreeMap::from([(ANNOTATION_DIR.to_string(), d.to_string())])),
            ..Default::default()
        },
        ..Default::default()
    }
}

pub fn service(cluster: &str, node: &NodeSpec) -> Service {
    let port = |name: &str, port: u16| ServicePort {
        name: Some(name.to_string()),
        port: i32::from(port),
        target_port: Some(IntOrString::String(name.to_string())),
        protocol: Some("TCP".into()),
        ..Default::default()
    };
    Service {
        metadata: meta(cluster, &node.id, Some(&node.id)),
        spec: Some(ServiceSpec {
            type_: Some("ClusterIP".into()),
            cluster_ip: node.service_ip.map(|ip| ip.to_string()),
            selector: Some(selector(cluster, &node.id)),
            ports: Some(vec![port("grpc", GRPC_PORT), port("metrics", METRICS_PORT)]),
            publish_not_ready_addresses: Some(true),
            ..Default::default()
        }),
        ..Default::default()
    }
}

pub fn files_config_map(cluster: &str, files: &Contents) -> ConfigMap {
    ConfigMap {
        metadata: meta(cluster, FILES_CONFIG_MAP, None),
        data: Some(BTreeMap::from([
            ("genesis.json".to_string(), files.genesis.clone()),
            ("nodes.json".to_string(), files.nodes.clone()),
        ])),
        ..Default::default()
    }
}

pub fn secret(cluster: &str, node: &str, token: &str, key: Option<&str>) -> Secret {
    let mut data = BTreeMap::from([("token".to_string(), ByteString(token.as_bytes().to_vec()))]);
    if let Some(k) = key {
        data.insert("key".to_string(), ByteString(k.as_bytes().to_vec()));
    }
    Secret {
        metadata: meta(cluster, &secret_name(node), Some(node)),
        type_: Some("Opaque".into()),
        data: Some(data),
        ..Default::default()
    }
}

pub fn stateful_set(cluster: &str, image: &str, node: &NodeSpec) -> StatefulSet {
    let id = node.id.as_str();
    let container_port = |name: &str, port: u16| ContainerPort {
        name: Some(name.to_string()),
        container_port: i32::from(port),
        protocol: Some("TCP".into()),
        ..Default::default()
    };
    let mount = |name: &str, path: &str, read_only| VolumeMount {
        name: name.to_string(),
        mount_path: path.to_string(),
        read_only: Some(read_only),
        ..Default::default()
    };
    let container = Container {
        name: CONTAINER.to_string(),
        image: Some(image.to_string()),
        image_pull_policy: Some("IfNotPresent".into()),
        args: Some(node.args.clone()),
        ports: Some(vec![container_port("grpc", GRPC_PORT), container_port("metrics", METRICS_PORT)]),
        readiness_probe: Some(Probe {
            grpc: Some(GRPCAction { port: i32::from(GRPC_PORT), service: None }),
            period_seconds: Some(2),
            timeout_seconds: Some(1),
            failure_threshold: Some(3),
            ..Default::default()
        }),
        volume_mounts: Some(vec![
            mount("files", FILES_DIR, true),
            mount("secrets", SECRET_DIR, true),
            mount(STORE_VOLUME, STORE_MOUNT, false),
        ]),
        security_context: Some(SecurityContext {
            allow_privilege_escalation: Some(false),
            read_only_root_filesystem: Some(true),
            capabilities: Some(Capabilities { drop: Some(vec!["ALL".into()]), ..Default::default() }),
            seccomp_profile: Some(SeccompProfile { type_: "RuntimeDefault".into(), ..Default::default() }),
            ..Default::default()
        }),
        ..Default::default()
    };
    let volumes = vec![
        Volume {
            name: "files".into(),
            config_map: Some(ConfigMapVolumeSource { name: FILES_CONFIG_MAP.into(), ..Default::default() }),
            ..Default::default()
        },
        Volume {
            name: "secrets".into(),
            secret: Some(SecretVolumeSource {
                secret_name: Some(secret_name(id)),
                default_mode: Some(0o400),
                ..Default::default()
            }),
            ..Default::default()
        },
    ];
    let claim = PersistentVolumeClaim {
        metadata: ObjectMeta {
            name: Some(STORE_VOLUME.into()),
            labels: Some(labels(cluster, Some(id))),
            ..Default::default()
        },
        spec: Some(PersistentVolumeClaimSpec {
            access_modes: Some(vec!["ReadWriteOnce".into()]),
            resources: Some(VolumeResourceRequirements {
                requests: Some(BTreeMap::from([("storage".to_string(), Quantity(STORE_SIZE.into()))])),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    };
    StatefulSet {
        metadata: meta(cluster, id, Some(id)),
        spec: Some(StatefulSetSpec {
            replicas: Some(1),
            service_name: Some(id.to_string()),
            selector: LabelSelector { match_labels: Some(selector(cluster, id)), ..Default::default() },
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta { labels: Some(labels(cluster, Some(id))), ..Default::default() }),
                spec: Some(PodSpec {
                    containers: vec![container],
                    volumes: Some(volumes),
                    enable_service_links: Some(false),
                    automount_service_account_token: Some(false),
                    termination_grace_period_seconds: Some(TERMINATION_GRACE_SECONDS),
                    ..Default::default()
                }),
            },
            volume_claim_templates: Some(vec![claim]),
            ..Default::default()
        }),
        ..Default::default()
    }
}
