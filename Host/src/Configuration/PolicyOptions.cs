namespace IpsecFw.Host.Configuration;

/// <summary>
/// Where the firewall policy comes from: exactly one of a <see cref="Source"/> file compiled at start (for a single
/// host or a test), a signed <see cref="Bundle"/> file, or a signed bundle fetched again and again from a
/// <see cref="Pull"/> location; bundles are verified with <see cref="SignerKey"/> and kept in
/// <see cref="StateDirectory"/> as the last good policy.
/// </summary>
public sealed class PolicyOptions
{
    /// <summary>A policy source file (<c>docs/policy-language.md</c>).</summary>
    public string? Source { get; set; }

    /// <summary>A signed bundle file (<c>ipsecfw policy sign</c>).</summary>
    public string? Bundle { get; set; }

    /// <summary>A bundle location polled for new bundles (<c>docs/policy-distribution.md</c>).</summary>
    public PullOptions? Pull { get; set; }

    /// <summary>The signer's public key file (required with <see cref="Bundle"/> and <see cref="Pull"/>); must be writable by its owner only.</summary>
    public string? SignerKey { get; set; }

    /// <summary>The last-good store directory (required with <see cref="Bundle"/> and <see cref="Pull"/>).</summary>
    public string? StateDirectory { get; set; }

    /// <summary>This host's name in the policy when it has no certificate (the certificate's names win when it has one).</summary>
    public string? Self { get; set; }
}
