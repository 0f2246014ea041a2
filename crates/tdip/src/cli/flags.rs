//! The option groups that several subcommands share: unsealing (`--share`, `--identity`),
//! acting through a running service (`--server` and its credentials), and copying signed
//! heads to a witness (`--witness-dir`). Each is flattened into the subcommands that take
//! it, so that a command's help lists only what it reads; none of them prints a secret
//! in `Debug`.

use std::fmt;
use std::path::PathBuf;

use clap::Args;

/// The custodians' shares that unseal the point for this one command.
#[derive(Clone, Debug, Default, Args)]
#[command(next_help_heading = "Unsealing")]
pub struct UnsealFlags {
    /// A custodian's share file, one per custodian, as many as the point's threshold:
    /// unseals the point for this command (nothing of them is kept).
    #[arg(long = "share", value_name = "FILE")]
    pub shares: Vec<PathBuf>,
    /// A custodian's age identity file, to open share files encrypted to that custodian.
    #[arg(long = "identity", value_name = "FILE")]
    pub identities: Vec<PathBuf>,
}

impl UnsealFlags {
    /// The share files and identity files given, as the point library takes them.
    pub fn unsealing(&self) -> tdip_point::point::Unsealing<'_> {
        tdip_point::point::Unsealing {
            shares: &self.shares,
            identities: &self.identities,
        }
    }
}

/// Where a running `tdip serve` is and who we are to it, for a command that can act
/// through the service instead of on the local data directory.
#[derive(Clone, Default, Args)]
#[command(next_help_heading = "Through a running service")]
pub struct RemoteFlags {
    /// Act through a running `tdip serve` at this URL (`https://HOST:PORT`) instead of on
    /// the local data directory.
    #[arg(long, env = "TDIP_SERVER", value_name = "URL")]
    pub server: Option<String>,
    /// With --server: the CA certificate (PEM) that issued the server's certificate.
    #[arg(long, env = "TDIP_CA", value_name = "FILE")]
    pub ca: Option<PathBuf>,
    /// With --server: your client certificate (PEM), listed in the point's clients.toml.
    #[arg(long, env = "TDIP_CLIENT_CERT", value_name = "FILE")]
    pub client_cert: Option<PathBuf>,
    /// With --server: the client certificate's private key (PEM).
    #[arg(long, env = "TDIP_CLIENT_KEY", value_name = "FILE")]
    pub client_key: Option<PathBuf>,
    /// With --server: an API token (`tdip tokens issue`) instead of a client certificate.
    #[arg(long, env = "TDIP_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

impl fmt::Debug for RemoteFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteFlags")
            .field("server", &self.server.as_deref().map(super::redact::url))
            .field("ca", &self.ca)
            .field("client_cert", &self.client_cert)
            .field("client_key", &self.client_key)
            .field("token", &self.token.as_ref().map(|_| "***"))
            .finish()
    }
}

/// Where else to keep the heads this command signs.
#[derive(Clone, Debug, Default, Args)]
#[command(next_help_heading = "Witness")]
pub struct WitnessFlags {
    /// A directory (a witness's mount, another disk) to copy every audit head this command
    /// signs into, as `checkpoint-SIZE.txt`, beside the data directory's `audit.head`.
    #[arg(long, env = "TDIP_WITNESS_DIR", value_name = "DIR")]
    pub witness_dir: Option<PathBuf>,
}
