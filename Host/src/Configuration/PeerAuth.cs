namespace IpsecFw.Host.Configuration;

/// <summary>How a peer authenticates (JSON: <c>pubkey</c>, <c>psk</c>).</summary>
public enum PeerAuth
{
    /// <summary>Certificates and signatures (RFC 7296 AUTH with a digital signature, RFC 7427).</summary>
    Pubkey,

    /// <summary>A pre-shared key read from <see cref="PeerOptions.PskFile"/>.</summary>
    Psk,
}
