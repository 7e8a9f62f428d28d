namespace IpsecFw.Spd.Runtime;

/// <summary>
/// A group after compilation: a peer is in it when its certificate satisfies any of <see cref="Identities"/> (decided
/// once per peer into a <see cref="PeerGrant"/>) or its address is in <see cref="Addresses"/>. A union is flattened into
/// one of these. Immutable.
/// </summary>
/// <param name="Index">The group's bit in a <see cref="PeerGrant"/>.</param>
/// <param name="Name">The name in the policy.</param>
/// <param name="Line">The line of its definition.</param>
/// <param name="Identities">The x509 alternatives (empty for a pure address group).</param>
/// <param name="Addresses">The addresses (empty for a pure x509 group).</param>
/// <param name="Members">Indices of the groups a union names (transitively), for the shadowing analysis.</param>
public sealed record CompiledGroup(
    int Index, string Name, int Line, IReadOnlyList<X509Matcher> Identities, AddressSet Addresses,
    IReadOnlyList<int> Members);
