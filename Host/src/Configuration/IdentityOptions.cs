namespace IpsecFw.Host.Configuration;

/// <summary>This host's own credentials (paths to PEM or DER files; the key file is never logged or printed).</summary>
public sealed class IdentityOptions
{
    /// <summary>This host's X.509 certificate.</summary>
    public required string Certificate { get; set; }

    /// <summary>The private key of <see cref="Certificate"/> (PEM, PKCS#8 or SEC1).</summary>
    public required string Key { get; set; }

    /// <summary>Intermediate CA certificates sent to peers with this host's certificate.</summary>
    public IReadOnlyList<string> Intermediates { get; set; } = [];
}
