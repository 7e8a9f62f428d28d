namespace IpsecFw.Esp.Tests.Vectors;

/// <summary>
/// One record of a NIST CAVP GCMVS response file (gcmEncryptExtIV*.rsp, gcmDecrypt*.rsp) together with the
/// parameters of the section it stands in. <see cref="Plaintext"/> is null where a decrypt record says FAIL.
/// </summary>
internal sealed record CavpGcmVector(
    int Line,
    int KeyBits,
    int IvBits,
    int PtBits,
    int AadBits,
    int TagBits,
    int Count,
    byte[] Key,
    byte[] Iv,
    byte[]? Plaintext,
    byte[] Aad,
    byte[] Ciphertext,
    byte[] Tag,
    bool Fail)
{
    /// <summary>File position and section, to name a failing vector.</summary>
    public string Label => $"line {Line} [Keylen = {KeyBits}, IVlen = {IvBits}, PTlen = {PtBits}, AADlen = {AadBits}, Taglen = {TagBits}] Count = {Count}";
}
