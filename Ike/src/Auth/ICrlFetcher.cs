namespace IpsecFw.Ike.Auth;

/// <summary>
/// Fetches a CRL from a certificate's CRL distribution point URL (http or https only). Injected into
/// <see cref="CertificateAuthenticator"/>; tests use an in-process fake. Must be thread-safe.
/// </summary>
public interface ICrlFetcher
{
    /// <summary>The CRL's bytes (DER or PEM), or null when it could not be fetched. Must not throw for network errors.</summary>
    byte[]? Fetch(Uri url, CancellationToken cancellationToken);
}
