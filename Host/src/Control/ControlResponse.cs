namespace IpsecFw.Host.Control;

/// <summary>A response on the control socket: <see cref="Ok"/>, and either the command's data or an error.</summary>
public sealed record ControlResponse
{
    /// <summary>True when the command ran.</summary>
    public bool Ok { get; init; }

    /// <summary>Why it did not, in a sentence.</summary>
    public string? Error { get; init; }

    /// <summary>A short result message (for <c>reload</c>).</summary>
    public string? Message { get; init; }

    /// <summary>The answer to <c>status</c>.</summary>
    public StatusReport? Status { get; init; }

    /// <summary>The answer to <c>sas</c>.</summary>
    public IReadOnlyList<IkeSaInfo>? Sas { get; init; }

    /// <summary>An error response.</summary>
    public static ControlResponse Failure(string error) => new() { Ok = false, Error = error };
}
