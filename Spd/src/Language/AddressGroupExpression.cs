namespace IpsecFw.Spd.Language;

/// <summary><c>IPv4{...}</c> or <c>IPv6{...}</c>: hosts identified by address only.</summary>
/// <param name="Span">The <c>IPv4</c>/<c>IPv6</c> keyword.</param>
/// <param name="Version">The family.</param>
/// <param name="Items">Addresses, prefixes and ranges.</param>
public sealed record AddressGroupExpression(SourceSpan Span, IpVersion Version, IReadOnlyList<AddressItem> Items)
    : GroupExpression(Span);
