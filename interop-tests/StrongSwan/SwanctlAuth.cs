namespace IpsecFw.InteropTests.StrongSwan;

/// <summary>One <c>local</c> or <c>remote</c> authentication round of a swanctl connection.</summary>
/// <param name="Auth">swanctl's <c>auth</c>: <c>pubkey</c>, <c>psk</c>, ...</param>
/// <param name="Id">The IKE identity (<c>id</c>), e.g. a DN or an FQDN; null lets strongSwan choose / accept any.</param>
/// <param name="Certs">Local only: the certificate file in <c>x509/</c> (<c>certs</c>).</param>
/// <param name="CaCerts">Remote only: restrict the trust anchor to this file in <c>x509ca/</c> (<c>cacerts</c>).</param>
public sealed record SwanctlAuth(string Auth, string? Id = null, string? Certs = null, string? CaCerts = null)
{
    /// <summary>Local certificate authentication with <paramref name="cert"/>, identified by its DN.</summary>
    public static SwanctlAuth Cert(TestCertificate cert) => new("pubkey", cert.Id, cert.CertFile);

    /// <summary>Remote certificate authentication of a peer that must present identity <paramref name="id"/>.</summary>
    public static SwanctlAuth PeerCert(string id) => new("pubkey", id);

    /// <summary>Pre-shared key authentication as <paramref name="id"/> (the key itself is a <see cref="SwanctlSecret"/>).</summary>
    public static SwanctlAuth Psk(string id) => new("psk", id);

    internal void Render(SwanctlWriter w, string section)
    {
        w.Open(section);
        w.Value("auth", Auth);
        w.Quoted("id", Id);
        w.Value("certs", Certs);
        w.Value("cacerts", CaCerts);
        w.Close();
    }
}
