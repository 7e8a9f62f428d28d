using IpsecFw.Spd.Distribution;
using IpsecFw.Spd.Language;

namespace IpsecFw.Host.Demo;

/// <summary>
/// The administrator's side of policy distribution (docs/policy-distribution.md): a fresh Ed25519 key for this run
/// (its public half is each host's <c>policy.signerKey</c>), a policy source compiled and signed into a bundle with a
/// rising serial, as <c>ipsecfw policy compile</c> and <c>policy sign</c> do.
/// </summary>
internal sealed class DemoSigner : IDisposable
{
    private readonly BundlePrivateKey _key = BundleSigner.GenerateKeyPair();
    private readonly TimeProvider _time;
    private ulong _serial;

    public DemoSigner(TimeProvider time) => _time = time;

    /// <summary>The public key file's text.</summary>
    public string PublicKeyFile => _key.PublicKey.ToKeyFile();

    /// <summary>The key id hosts see in the bundles.</summary>
    public string KeyId => _key.PublicKey.KeyIdHex;

    /// <summary>Compiles <paramref name="source"/> and signs it with the next serial, valid for a day.</summary>
    /// <exception cref="DemoException">The source does not compile (a bug of the demonstration).</exception>
    public PolicyBundle Sign(string source, string file)
    {
        CompiledPolicy compiled = CompiledPolicy.FromSource(source, file, out CompileResult result)
            ?? throw new DemoException($"{file} does not compile: " + string.Join("; ", result.Errors.Select(e => e.ToString())));
        DateTimeOffset now = _time.GetUtcNow();
        return BundleSigner.Sign(_key, compiled, ++_serial, now, now.AddDays(1));
    }

    /// <inheritdoc/>
    public void Dispose() => _key.Dispose();
}
