//! The node image, built here: no registry is reachable, and none is needed.
//!
//! `devnet-node:<version>` is `FROM scratch` with the `devnet-node` binary at
//! `/devnet-node` and the shared libraries `ldd` reports for it (libc, libm,
//! libgcc_s, the loader) at the paths `ldd` names, so the loader finds them
//! where the binary expects. The build context is a tar made in memory and
//! sent through the engine's build API (bollard). The binary is the one
//! beside the running `devnet` (`supervisor::node_binary`): a release
//! `devnet` puts the release node in its image, a test the debug one. The
//! image carries the binary's sha256 as a label, so `devnet up --backend
//! docker` rebuilds it when the binary changed and otherwise reuses it.

use anyhow::{Context, bail};
use bollard::Docker;
use bollard::query_parameters::BuildImageOptions;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tokio_stream::StreamExt;

/// The label holding the sha256 of the binary an image was built from.
pub const BINARY_LABEL: &str = "devnet.node-sha256";

pub const DOCKERFILE: &str = "FROM scratch\nCOPY rootfs/ /\nENTRYPOINT [\"/devnet-node\"]\n";

/// `devnet-node:<this build's version>`.
pub fn image_tag() -> String {
    format!("devnet-node:{}", env!("CARGO_PKG_VERSION"))
}

/// The libraries in `ldd`'s output, by the path the binary loads them from
/// (the vDSO, which the kernel provides, is not a file). A library `ldd`
/// cannot find is an error naming it.
pub fn ldd_libraries(output: &str) -> anyhow::Result<Vec<PathBuf>> {
    let mut libs = vec![];
    for line in output.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let path = match line.split_once("=>") {
            Some((name, rest)) => {
                let rest = rest.trim();
                if rest.starts_with("not found") {
                    bail!("ldd cannot find {} for the node binary", name.trim());
                }
                rest.split_whitespace().next().unwrap_or("")
            }
            None => line.split_whitespace().next().unwrap_or(""),
        };
        if path.starts_with('/') {
            libs.push(PathBuf::from(path));
        }
    }
    Ok(libs)
}

/// `ldd BINARY`'s libraries; none for a static binary.
pub fn libraries_of(binary: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let out = std::process::Command::new("ldd")
        .arg(binary)
        .output()
        .with_context(|| format!("running ldd on {} (is ldd installed?)", binary.display()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    if text.contains("not a dynamic executable") || err.contains("not a dynamic executable") {
        return Ok(vec![]);
    }
    if !out.status.success() {
        bail!("ldd {} failed: {}", binary.display(), err.trim());
    }
    ldd_libraries(&text)
}

/// One file of the image: where it goes, where it comes from.
#[derive(Clone, Debug, PartialEq)]
pub struct ImageFile {
    pub inside: PathBuf,
    pub from: PathBuf,
    pub bytes: u64,
}

/// The build context: `Dockerfile` and `rootfs/` holding `files`, as a tar.
/// Symlinks (the loader's, usually) are followed: the image holds the file.
pub fn build_context(files: &[ImageFile]) -> anyhow::Result<Vec<u8>> {
    let mut tar = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(DOCKERFILE.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    tar.append_data(&mut header, "Dockerfile", DOCKERFILE.as_bytes())?;
    for f in files {
        let data = std::fs::read(&f.from).with_context(|| format!("reading {}", f.from.display()))?;
        let mode = {
            use std::os::unix::fs::PermissionsExt;
            std::fs::metadata(&f.from)?.permissions().mode() & 0o777
        };
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(mode | 0o444);
        header.set_cksum();
        let rel = f.inside.strip_prefix("/").unwrap_or(&f.inside);
        tar.append_data(&mut header, Path::new("rootfs").join(rel), data.as_slice())
            .with_context(|| format!("adding {} to the build context", f.from.display()))?;
    }
    Ok(tar.into_inner()?)
}

/// The files of the image for `binary`: itself at `/devnet-node`, then its libraries.
pub fn image_files(binary: &Path) -> anyhow::Result<Vec<ImageFile>> {
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).with_context(|| format!("reading {}", p.display()));
    let mut files = vec![ImageFile { inside: "/devnet-node".into(), from: binary.to_path_buf(), bytes: size(binary)? }];
    for lib in libraries_of(binary)? {
        files.push(ImageFile { inside: lib.clone(), from: lib.clone(), bytes: size(&lib)? });
    }
    Ok(files)
}

pub fn sha256_file(path: &Path) -> anyhow::Result<String> {
    let mut f = std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h).with_context(|| format!("reading {}", path.display()))?;
    Ok(hex::encode(h.finalize()))
}

/// What a build did, in words for the user.
#[derive(Clone, Debug)]
pub struct Built {
    pub tag: String,
    pub id: String,
    pub files: Vec<ImageFile>,
    pub binary_sha256: String,
}

impl std::fmt::Display for Built {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let total: u64 = self.files.iter().map(|f| f.bytes).sum();
        writeln!(
            f,
            "built {} ({}) FROM scratch, {:.1} MB in {} files:",
            self.tag,
            self.id,
            total as f64 / 1e6,
            self.files.len()
        )?;
        for file in &self.files {
            let from = if file.from == file.inside { String::new() } else { format!(" from {}", file.from.display()) };
            writeln!(f, "  {}{from} ({} bytes)", file.inside.display(), file.bytes)?;
        }
        write!(f, "  node binary sha256 {}", self.binary_sha256)
    }
}

/// Builds `devnet-node:<version>` from `binary` and its libraries.
pub async fn build(docker: &Docker, binary: &Path) -> anyhow::Result<Built> {
    let files = image_files(binary)?;
    let binary_sha256 = sha256_file(binary)?;
    let context = build_context(&files)?;
    let tag = image_tag();
    let options = BuildImageOptions {
        t: Some(tag.clone()),
        labels: Some(HashMap::from([(BINARY_LABEL.to_string(), binary_sha256.clone())])),
        rm: true,
        forcerm: true,
        ..Default::default()
    };
    let mut stream = docker.build_image(options, None, Some(bollard::body_full(context.into())));
    while let Some(step) = stream.next().await {
        let step = step.with_context(|| format!("building {tag}"))?;
        if let Some(e) = step.error_detail {
            bail!("building {tag}: {}", e.message.unwrap_or_default());
        }
    }
    let id = docker.inspect_image(&tag).await.with_context(|| format!("inspecting {tag}"))?.id.unwrap_or_default();
    Ok(Built { tag, id, files, binary_sha256 })
}

/// The image for `binary`, built when missing or built from another binary.
/// `Some` says what was built.
pub async fn ensure(docker: &Docker, binary: &Path) -> anyhow::Result<Option<Built>> {
    let tag = image_tag();
    let want = sha256_file(binary)?;
    if let Ok(image) = docker.inspect_image(&tag).await {
        let have = image.config.and_then(|c| c.labels).and_then(|l| l.get(BINARY_LABEL).cloned());
        if have.as_deref() == Some(want.as_str()) {
            return Ok(None);
        }
    }
    build(docker, binary).await.map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ldd_output_gives_the_paths_the_binary_loads() {
        let out = "\tlinux-vdso.so.1 (0x00007ffd4b1f2000)\n\
                   \tlibgcc_s.so.1 => /lib/x86_64-linux-gnu/libgcc_s.so.1 (0x00007f0fd3b67000)\n\
                   \tlibm.so.6 => /lib/x86_64-linux-gnu/libm.so.6 (0x00007f0fd3a87000)\n\
                   \tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f0fd2a1e000)\n\
                   \t/lib64/ld-linux-x86-64.so.2 (0x00007f0fd3b9b000)\n";
        let libs = ldd_libraries(out).unwrap();
        assert_eq!(
            libs,
            [
                "/lib/x86_64-linux-gnu/libgcc_s.so.1",
                "/lib/x86_64-linux-gnu/libm.so.6",
                "/lib/x86_64-linux-gnu/libc.so.6",
                "/lib64/ld-linux-x86-64.so.2"
            ]
            .map(PathBuf::from)
        );
        let err = ldd_libraries("\tlibfoo.so.1 => not found\n").unwrap_err().to_string();
        assert!(err.contains("libfoo.so.1"), "{err}");
    }

    #[test]
    fn the_context_holds_the_dockerfile_and_every_file_under_rootfs() {
        let tmp = tempfile::tempdir().unwrap();
        let bin = tmp.path().join("devnet-node");
        std::fs::write(&bin, b"\x7fELF not really").unwrap();
        let lib = tmp.path().join("libc.so.6");
        std::fs::write(&lib, b"libc").unwrap();
        let link = tmp.path().join("ld.so");
        std::os::unix::fs::symlink(&lib, &link).unwrap();
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let files = vec![
            ImageFile { inside: "/devnet-node".into(), from: bin.clone(), bytes: 15 },
            ImageFile { inside: "/lib/x86_64-linux-gnu/libc.so.6".into(), from: lib.clone(), bytes: 4 },
            ImageFile { inside: "/lib64/ld-linux-x86-64.so.2".into(), from: link, bytes: 4 },
        ];
        let tar = build_context(&files).unwrap();
        let mut archive = tar::Archive::new(tar.as_slice());
        let mut seen = vec![];
        for e in archive.entries().unwrap() {
            let mut e = e.unwrap();
            let path = e.path().unwrap().display().to_string();
            let mode = e.header().mode().unwrap();
            let kind = e.header().entry_type();
            let mut body = String::new();
            std::io::Read::read_to_string(&mut e, &mut body).unwrap();
            seen.push((path, mode, kind.is_file(), body));
        }
        assert_eq!(seen[0], ("Dockerfile".into(), 0o644, true, DOCKERFILE.into()));
        assert_eq!(seen[1], ("rootfs/devnet-node".into(), 0o755, true, "\u{7f}ELF not really".into()));
        assert_eq!(seen[2].0, "rootfs/lib/x86_64-linux-gnu/libc.so.6");
        // The symlink is followed: a regular file with the library's bytes.
        assert_eq!(
            (seen[3].0.as_str(), seen[3].2, seen[3].3.as_str()),
            ("rootfs/lib64/ld-linux-x86-64.so.2", true, "libc")
        );
        assert!(DOCKERFILE.starts_with("FROM scratch\n"));
    }

    #[test]
    fn the_tag_is_this_builds_version() {
        assert_eq!(image_tag(), format!("devnet-node:{}", env!("CARGO_PKG_VERSION")));
    }
}
