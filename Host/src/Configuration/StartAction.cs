namespace IpsecFw.Host.Configuration;

/// <summary>What the daemon does with a peer at start (JSON: <c>none</c>, <c>trap</c>, <c>start</c>).</summary>
public enum StartAction
{
    /// <summary>Wait for the peer to initiate (a responder-only peer).</summary>
    None,

    /// <summary>Initiate when the first packet for the peer's traffic arrives (an acquire).</summary>
    Trap,

    /// <summary>Initiate at once, and again after the SA is lost.</summary>
    Start,
}
