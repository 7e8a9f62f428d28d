namespace IpsecFw.Host.Control;

/// <summary>
/// A request on the control socket: <c>{"command":"status"}</c>, <c>sas</c>, <c>reload</c>, or
/// <c>{"command":"terminate","peer":"NAME","childrenOnly":true}</c>.
/// </summary>
public sealed record ControlRequest
{
    /// <summary>The command name.</summary>
    public string? Command { get; init; }

    /// <summary><c>terminate</c>: the configured peer whose SAs are deleted.</summary>
    public string? Peer { get; init; }

    /// <summary><c>terminate</c>: delete the peer's CHILD_SAs only, keeping its IKE SA.</summary>
    public bool ChildrenOnly { get; init; }
}
