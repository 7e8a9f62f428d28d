namespace IpsecFw.Spd.Distribution;

/// <summary>A typed refusal: the <see cref="Kind"/> for programs, the <see cref="Message"/> for the administrator.</summary>
/// <param name="Kind">Why.</param>
/// <param name="Message">A plain sentence saying what was wrong (never key material).</param>
public sealed record BundleError(BundleErrorKind Kind, string Message)
{
    /// <summary>The message, prefixed with the kind.</summary>
    public override string ToString() => $"{Kind}: {Message}";

    internal static BundleError Malformed(string message) => new(BundleErrorKind.Malformed, message);
}
