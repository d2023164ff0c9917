//! What `devnet manifests` writes: the objects the backend applies, for
//! people who apply them their own way (`kubectl apply -f DIR`, a GitOps
//! repository, helm's post-renderer...).
//!
//! They cannot ask the cluster anything, so each Service's IP is fixed
//! (node i at `first_ip + i`; `manifests` says why that is safe) and the
//! node list in the ConfigMap names those. The files are the cluster
//! directory's, shipped verbatim: the same keys, token and genesis as a
//! `devnet up` of that cluster. The Secrets hold the validators' keys and
//! the cluster token, so what is written is readable by its owner only.

use super::files;
use super::manifests::{self, Manifest, NodeSpec};
use crate::cluster_dir::ClusterDir;
use crate::config::DevnetConfig;
use crate::supervisor::NodeCommand;
use anyhow::{Context, bail};
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;

/// The Service IP node 0 gets by default: the 65th address of the service
/// range kubeadm and kind use (10.96.0.0/12), inside the band Kubernetes
/// keeps for fixed addresses, past the API server's (.1) and DNS's (.10).
pub const DEFAULT_FIRST_IP: Ipv4Addr = Ipv4Addr::new(10, 96, 0, 64);

/// The objects of the cluster in `dir`, whose nodes run `commands`.
pub fn manifests_of(dir: &ClusterDir, commands: &[NodeCommand], first_ip: Ipv4Addr) -> anyhow::Result<Vec<Manifest>> {
    let cluster = &dir.spec.name;
    manifests::check_cluster_name(cluster).map_err(anyhow::Error::msg)?;
    let Some(ips) = manifests::service_ips(first_ip, commands.len()) else {
        bail!("{} Service IPs from {first_ip} run past 255.255.255.255", commands.len());
    };
    let pod_commands = commands.iter().map(files::pod_command).collect::<anyhow::Result<Vec<_>>>()?;
    let Some(first) = pod_commands.first() else { bail!("a devnet of no nodes") };
    let addrs: Vec<IpAddr> = ips.iter().copied().map(IpAddr::V4).collect();
    let nodes = files::in_cluster_nodes(&dir.nodes, &addrs)?;
    let contents = manifests::Contents {
        genesis: files::read(&first.genesis)?,
        nodes: serde_json::to_string_pretty(&nodes)?,
        token: files::read(&first.token)?,
        keys: pod_commands
            .iter()
            .map(|c| c.key.as_deref().map(files::read).transpose())
            .collect::<anyhow::Result<_>>()?,
    };
    let specs: Vec<NodeSpec> = commands
        .iter()
        .zip(pod_commands)
        .zip(&ips)
        .map(|((c, p), ip)| NodeSpec { id: c.id.clone(), args: p.args, service_ip: Some(*ip) })
        .collect();
    Ok(manifests::all(cluster, &crate::supervisor::docker::image::image_tag(), &specs, &contents, None))
}

/// Whether `name` is a file `write_dir` writes (`NN-kind-name.yaml`).
fn is_ours(name: &str) -> bool {
    let kinds = ["namespace-", "service-", "configmap-", "secret-", "statefulset-"];
    let b = name.as_bytes();
    name.len() > 3
        && b[0].is_ascii_digit()
        && b[1].is_ascii_digit()
        && b[2] == b'-'
        && name.ends_with(".yaml")
        && kinds.iter().any(|k| name[3..].starts_with(k))
}

fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    f.write_all(text.as_bytes()).with_context(|| format!("writing {}", path.display()))
}

/// One file per object in `dir`, named in apply order; files an earlier
/// write left there (a devnet of more nodes) are removed first, so that
/// `kubectl apply -f DIR` applies exactly these. Returns the file names.
pub fn write_dir(objects: &[Manifest], dir: &Path) -> anyhow::Result<Vec<String>> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let entry = entry?;
        if entry.file_name().to_str().is_some_and(is_ours) {
            std::fs::remove_file(entry.path()).with_context(|| format!("removing {}", entry.path().display()))?;
        }
    }
    let mut names = vec![];
    for (i, o) in objects.iter().enumerate() {
        let name = o.file_name(i);
        write_private(&dir.join(&name), &o.to_yaml()?)?;
        names.push(name);
    }
    Ok(names)
}

/// What `devnet manifests` made: the stream for standard output (when no
/// directory was given), and what to tell the user.
pub struct Written {
    pub yaml: Option<String>,
    pub notice: String,
}

/// `devnet manifests`: creates (or resumes) the cluster directory of `cfg`
/// under `data_dir`, as `devnet up` would, and writes its objects into
/// `out`, one file each, or returns them as one stream.
pub fn run(
    cfg: &DevnetConfig,
    data_dir: &Path,
    fresh: bool,
    first_ip: Ipv4Addr,
    out: Option<&Path>,
) -> anyhow::Result<Written> {
    manifests::check_cluster_name(&cfg.name).map_err(anyhow::Error::msg)?;
    let dir = ClusterDir::prepare(cfg, data_dir, fresh)?;
    // The pods run the image's /devnet-node; the path here is never used.
    let program = Path::new("/devnet-node");
    let commands: Vec<NodeCommand> =
        (0..dir.nodes.nodes.len()).map(|i| crate::devnet::node_command(&dir, program, i, None)).collect();
    let objects = manifests_of(&dir, &commands, first_ip)?;
    let image = crate::supervisor::docker::image::image_tag();
    let last = Ipv4Addr::from(u32::from(first_ip) + commands.len() as u32 - 1);
    let how = format!(
        "The Services are fixed at {first_ip}..{last}, which must lie in the cluster's service range (kind and \
         kubeadm: 10.96.0.0/12; k3s: 10.43.0.0/16, pass --service-ip 10.43.0.64). The nodes run {image}, which \
         no registry has: `devnet image`, then load it into the cluster (kind: `kind load docker-image {image}`). \
         The Secrets hold the validators' keys and the cluster token of {}. The genesis time is fixed: slots \
         until the pods start stay empty.",
        dir.root.display()
    );
    Ok(match out {
        Some(d) => {
            let names = write_dir(&objects, d)?;
            Written {
                yaml: None,
                notice: format!(
                    "devnet manifests: wrote {} objects to {}, one file each, named in apply order (namespace, \
                     Services, ConfigMap, Secrets, StatefulSets): `kubectl apply -f {}`. {how} `kubectl delete \
                     namespace {}` removes it all.",
                    names.len(),
                    d.display(),
                    d.display(),
                    manifests::namespace_name(&cfg.name)
                ),
            }
        }
        None => Written {
            yaml: Some(manifests::to_yaml_stream(&objects)?),
            notice: format!(
                "devnet manifests: {} objects in apply order (namespace, Services, ConfigMap, Secrets, \
                 StatefulSets): pipe them to `kubectl apply -f -`. {how}",
                objects.len()
            ),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    /// The repository's devnet.toml as `devnet manifests` writes it, with
    /// what is random per cluster (keys, token, genesis time) replaced by
    /// names, so the snapshot holds only what the code decides.
    fn shipped_config_manifests(tmp: &Path) -> (Vec<Manifest>, impl Fn(String) -> String) {
        let cfg = DevnetConfig::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../devnet.toml")).unwrap();
        let out = run(&cfg, tmp, true, DEFAULT_FIRST_IP, Some(&tmp.join("k8s"))).unwrap();
        assert!(out.yaml.is_none() && out.notice.contains("kubectl apply -f"), "{}", out.notice);
        let dir = ClusterDir::prepare(&cfg, tmp, false).unwrap();
        let commands: Vec<NodeCommand> = (0..dir.nodes.nodes.len())
            .map(|i| crate::devnet::node_command(&dir, Path::new("/devnet-node"), i, None))
            .collect();
        let objects = manifests_of(&dir, &commands, DEFAULT_FIRST_IP).unwrap();
        let b64 = |t: &str| base64::engine::general_purpose::STANDARD.encode(t);
        let mut secrets = vec![(b64(&std::fs::read_to_string(dir.token_path()).unwrap()), "<token>".to_string())];
        for (i, v) in dir.spec.validators.iter().enumerate() {
            let key = std::fs::read_to_string(dir.key_path(i as u32)).unwrap();
            secrets.push((b64(&key), format!("<key n{i}>")));
            secrets.push((v.pubkey.clone(), format!("<pubkey n{i}>")));
        }
        secrets.push((dir.spec.genesis_time_ms.to_string(), "<genesis ms>".into()));
        let redact = move |mut text: String| {
            for (secret, name) in &secrets {
                text = text.replace(secret.as_str(), name);
            }
            text
        };
        (objects, redact)
    }

    #[test]
    fn the_shipped_devnet_toml_as_kubernetes_objects() {
        let tmp = tempfile::tempdir().unwrap();
        let (objects, redact) = shipped_config_manifests(tmp.path());
        let names: Vec<String> = objects.iter().enumerate().map(|(i, o)| o.file_name(i)).collect();
        insta::assert_snapshot!("files", names.join("\n"));
        insta::assert_snapshot!("yaml", redact(manifests::to_yaml_stream(&objects).unwrap()));
    }

    /// What is written reads back as the same objects (long base64 values
    /// are emitted as folded scalars, never wrapped inside a token).
    #[test]
    fn the_yaml_reads_back_as_the_same_objects() {
        use k8s_openapi::api::{apps::v1::StatefulSet, core::v1};
        fn back<T: serde::de::DeserializeOwned>(yaml: String) -> T {
            serde_saphyr::from_str(&yaml).unwrap_or_else(|e| panic!("{e}\n{yaml}"))
        }
        let tmp = tempfile::tempdir().unwrap();
        let (objects, _) = shipped_config_manifests(tmp.path());
        for o in &objects {
            let yaml = o.to_yaml().unwrap();
            let read = match o {
                Manifest::Namespace(_) => Manifest::Namespace(Box::new(back::<v1::Namespace>(yaml))),
                Manifest::Service(_) => Manifest::Service(Box::new(back::<v1::Service>(yaml))),
                Manifest::ConfigMap(_) => Manifest::ConfigMap(Box::new(back::<v1::ConfigMap>(yaml))),
                Manifest::Secret(_) => Manifest::Secret(Box::new(back::<v1::Secret>(yaml))),
                Manifest::StatefulSet(_) => Manifest::StatefulSet(Box::new(back::<StatefulSet>(yaml))),
            };
            assert_eq!(&read, o);
        }
    }

    #[test]
    fn a_written_directory_holds_exactly_this_devnets_files_readable_by_their_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("k8s");
        std::fs::create_dir_all(&out).unwrap();
        // Left by an earlier write of a bigger devnet, and a file of the user's.
        std::fs::write(out.join("19-statefulset-n9.yaml"), "old").unwrap();
        std::fs::write(out.join("kustomization.yaml"), "mine").unwrap();
        let (objects, _) = shipped_config_manifests(tmp.path());
        let mut files: Vec<String> =
            std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        files.sort();
        let mut want: Vec<String> = objects.iter().enumerate().map(|(i, o)| o.file_name(i)).collect();
        want.push("kustomization.yaml".into());
        assert_eq!(files, want);
        let secret = out.join(&want[6]);
        assert!(want[6].contains("-secret-"), "{want:?}");
        assert_eq!(std::fs::metadata(&secret).unwrap().permissions().mode() & 0o777, 0o600);
        // Each file is one object, the same YAML as in the stream.
        assert_eq!(std::fs::read_to_string(&secret).unwrap(), objects[6].to_yaml().unwrap());
    }

    #[test]
    fn only_files_it_writes_are_its_own() {
        for ours in ["00-namespace-devnet-x.yaml", "12-statefulset-n3.yaml", "05-secret-n0-secrets.yaml"] {
            assert!(super::is_ours(ours), "{ours}");
        }
        for other in ["kustomization.yaml", "00-namespace.yml", "ab-service-n0.yaml", "07-ingress-x.yaml", "00-"] {
            assert!(!super::is_ours(other), "{other}");
        }
    }
}
