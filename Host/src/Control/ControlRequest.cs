namespace IpsecFw.Host.Control;

/// <summary>A request on the control socket: <c>{"command":"status"}</c>, <c>sas</c> or <c>reload</c>.</summary>
public sealed record ControlRequest
{
    /// <summary>The command name.</summary>
    public string? Command { get; init; }
}
