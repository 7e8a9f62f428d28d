namespace IpsecFw.Host.Daemon;

/// <summary>The outcome of judging a fetched bundle.</summary>
public enum PullResultKind
{
    /// <summary>Verified, stored and installed.</summary>
    Applied,

    /// <summary>Byte for byte the running bundle.</summary>
    Unchanged,

    /// <summary>Refused (the running policy stays).</summary>
    Refused,
}
