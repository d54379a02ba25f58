//! The one HTTP client every AWS SDK client of a run shares (EFS, STS and
//! KMS, every account and Region): the SDK's default HTTPS stack (hyper
//! 1.x, rustls with aws-lc, proxy settings from the environment), built
//! once. Left to itself, each SDK client builds its own HTTP client, and
//! with it its own connection pool and TLS configuration (every root
//! certificate parsed again): with an `account` block per account that is
//! hundreds of them, and most of the CPU a run across accounts spends
//! outside the planner. Shared, connections are reused across clients and
//! the TLS configuration is built once per set of connector settings.
//!
//! Makes no call itself.

use aws_sdk_efs::config::SharedHttpClient;
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
use aws_smithy_http_client::{Builder, Connector};

/// An HTTP client as the SDK builds by default for the latest behavior
/// version, to be shared by every SDK client of the run.
pub fn shared_http_client() -> SharedHttpClient {
    // `build_with_connector_fn` is what the SDK's own default uses: the
    // connector gets the client's timeouts and sleep implementation, and
    // the proxy settings of the environment (HTTPS_PROXY, NO_PROXY), which
    // `Builder::build_https` would leave out.
    Builder::new().build_with_connector_fn(|settings, components| {
        let mut b = Connector::builder().tls_provider(Provider::Rustls(CryptoMode::AwsLc));
        b.set_connector_settings(settings.cloned());
        if let Some(c) = components {
            b.set_sleep_impl(c.sleep_impl());
        }
        b.set_proxy_config(Some(ProxyConfig::from_env()));
        b.build()
    })
}
