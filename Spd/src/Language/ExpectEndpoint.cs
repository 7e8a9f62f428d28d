namespace IpsecFw.Spd.Language;

/// <summary>
/// A host in an <c>expect</c> line: <c>*</c> (an anonymous peer with neither), a certificate name
/// (<c>mail-gw.example.com</c> or <c>"name"</c>), an address (<c>192.0.2.123</c>), or both (<c>host1.example.com@198.19.0.5</c>).
/// </summary>
/// <param name="Span">Where it is.</param>
/// <param name="Identity">The certificate name (its CN and DNS SAN), or null for no certificate.</param>
/// <param name="Address">The address as written, or null.</param>
public sealed record ExpectEndpoint(SourceSpan Span, string? Identity, string? Address);
