using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace IpsecFw.Host.Events;

/// <summary>
/// How <see cref="SyslogTcpSink"/> speaks TLS to a collector (RFC 5425): the name the server's certificate must carry,
/// the CAs it must chain to (none: the system's trust store), and this host's certificate if the collector asks for one.
/// </summary>
/// <param name="ServerName">Checked against the certificate's subjectAltName (DNS name or IP address; RFC 5425 5.2).</param>
/// <param name="CaCertificates">The only trust anchors (<see cref="X509ChainTrustMode.CustomRootTrust"/>), or empty.</param>
/// <param name="ClientCertificate">This host's certificate with its private key, or null.</param>
internal sealed record SyslogTls(string ServerName, X509Certificate2Collection CaCertificates, X509Certificate2? ClientCertificate)
{
    /// <summary>The options of one handshake: TLS 1.2 or 1.3 (RFC 5425 is written for TLS 1.2; RFC 9325 allows nothing older), no revocation check.</summary>
    public SslClientAuthenticationOptions Options()
    {
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = ServerName,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };
        if (CaCertificates.Count > 0)
        {
            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
            };
            policy.CustomTrustStore.AddRange(CaCertificates);
            options.CertificateChainPolicy = policy;
        }

        if (ClientCertificate is not null)
        {
            options.ClientCertificates = [ClientCertificate];
        }

        return options;
    }
}
