using IpsecFw.Ike.Auth;

namespace IpsecFw.Fuzz.Fuzzers;

/// <summary>
/// The DER Name decoder used for ID_DER_ASN1_DN identities and certificate subjects
/// (<see cref="DistinguishedName.TryDecode"/>, formatting, CN/OU look-up, equivalence). A decoded name must format,
/// and be equivalent to itself; <see cref="DistinguishedName.TryFormat"/> must agree with the decoder.
/// </summary>
internal sealed class DistinguishedNameFuzzer : IFuzzer
{
    public string Name => "DistinguishedName";

    public string Description => "Ike: DistinguishedName.TryDecode, Format, CommonName, AreEquivalent";

    public void FuzzTarget(ReadOnlySpan<byte> input)
    {
        bool decoded = DistinguishedName.TryDecode(input, out List<List<DistinguishedName.Attribute>>? rdns);
        string? formatted = DistinguishedName.TryFormat(input);
        if (decoded != (formatted is not null))
        {
            throw new FuzzInvariantException($"TryDecode says {decoded} but TryFormat gave {formatted ?? "null"}");
        }

        if (!decoded)
        {
            return;
        }

        _ = DistinguishedName.Format(rdns!);
        _ = DistinguishedName.CommonName(rdns!);
        _ = DistinguishedName.OrganizationalUnits(rdns!);
        if (!DistinguishedName.AreEquivalent(input, input))
        {
            throw new FuzzInvariantException($"a decodable name is not equivalent to itself: {formatted}");
        }
    }
}
