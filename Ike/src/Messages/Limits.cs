namespace IpsecFw.Ike.Messages;

/// <summary>
/// Our own bounds on what a received message may make us do (the RFC sets none). Each is far above what strongSwan
/// sends: its default proposals carry about 40 transforms, and IKE_AUTH messages carry a dozen payloads.
/// </summary>
public static class Limits
{
    /// <summary>Largest IKE message we decode (a UDP datagram; larger only after RFC 7383 reassembly).</summary>
    public const int MaxMessageLength = 65535;

    /// <summary>Payloads in one chain (outer message, or the decrypted content of SK).</summary>
    public const int MaxPayloadsPerMessage = 64;

    /// <summary>Proposals in one SA payload.</summary>
    public const int MaxProposals = 32;

    /// <summary>Transforms in one proposal.</summary>
    public const int MaxTransformsPerProposal = 128;

    /// <summary>Attributes on one transform (RFC 7296 only defines Key Length).</summary>
    public const int MaxAttributesPerTransform = 4;

    /// <summary>Traffic selectors in one TS payload.</summary>
    public const int MaxTrafficSelectors = 32;

    /// <summary>SPIs in one Delete payload.</summary>
    public const int MaxDeleteSpis = 256;

    /// <summary>Attributes in one configuration payload.</summary>
    public const int MaxConfigurationAttributes = 64;
}
