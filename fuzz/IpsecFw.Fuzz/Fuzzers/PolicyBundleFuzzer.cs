using System.Text;
using IpsecFw.Spd.Distribution;
using IpsecFw.Spd.Language;

namespace IpsecFw.Fuzz.Fuzzers;

/// <summary>
/// Signed policy bundles (<see cref="BundleVerifier.Verify"/>, <see cref="PolicyBundle.TryDecode"/>,
/// <see cref="CompiledPolicy.TryLoad"/>) against a fixed Ed25519 test key. Byte 0 chooses the path:
/// <list type="bullet">
/// <item>even: the rest is a bundle file as received (a forged one cannot pass the signature, so this covers the
/// layout, the unsigned decode and the signature check), byte 1 the last accepted serial; also decoded without
/// verification and, separately, loaded as a compiled policy;</item>
/// <item>odd: the rest is policy text; when it compiles, the target signs it with the test key, and the verifier must
/// accept that bundle, with the same serial and policy source.</item>
/// </list>
/// A refusal must carry an error kind and a message.
/// </summary>
internal sealed class PolicyBundleFuzzer : IFuzzer
{
    public static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly Lazy<BundlePrivateKey> s_key = new(() => BundlePrivateKey.FromSeed(Enumerable.Range(0, 32).Select(i => (byte)(0xA0 ^ i)).ToArray()));

    public string Name => "PolicyBundle";

    public string Description => "Spd: BundleVerifier.Verify, PolicyBundle.TryDecode, CompiledPolicy.TryLoad; sign-then-verify of fuzzed policies";

    public static BundlePrivateKey Key => s_key.Value;

    public void FuzzTarget(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return;
        }

        if ((input[0] & 1) == 0)
        {
            ulong last = input.Length > 1 ? input[1] : 0UL;
            ReadOnlySpan<byte> bundle = input.Length > 2 ? input[2..] : default;
            BundleVerdict verdict = BundleVerifier.Verify(bundle, Key.PublicKey, last, Now);
            Check(verdict);
            if (verdict.IsAccepted && verdict.Bundle.Serial <= last)
            {
                throw new FuzzInvariantException($"accepted serial {verdict.Bundle.Serial} after {last}");
            }

            if (PolicyBundle.TryDecode(bundle, out PolicyBundle? decoded, out BundleError? error))
            {
                _ = decoded.ToString();
            }
            else if (error.Message.Length == 0)
            {
                throw new FuzzInvariantException("a decode refusal without a message");
            }

            if (!CompiledPolicy.TryLoad(input[1..], out _, out BundleError? loadError) && loadError.Message.Length == 0)
            {
                throw new FuzzInvariantException("a load refusal without a message");
            }

            return;
        }

        string source = Encoding.UTF8.GetString(input[1..]);
        CompiledPolicy? policy = CompiledPolicy.FromSource(source, "fuzz.policy", out CompileResult _);
        if (policy is null)
        {
            return;
        }

        PolicyBundle signed = BundleSigner.Sign(Key, policy, 7, Now.AddHours(-1), Now.AddDays(1));
        BundleVerdict accepted = BundleVerifier.Verify(signed.Encoded, Key.PublicKey, 6, Now);
        if (!accepted.IsAccepted)
        {
            throw new FuzzInvariantException($"a bundle signed with the trusted key was refused: {accepted.Error}");
        }

        if (accepted.Bundle.Serial != 7 || accepted.Policy!.Source != policy.Source)
        {
            throw new FuzzInvariantException("the verified bundle differs from the signed one");
        }

        BundleVerdict rollback = BundleVerifier.Verify(signed.Encoded, Key.PublicKey, 7, Now);
        if (rollback.IsAccepted)
        {
            throw new FuzzInvariantException("a bundle with the last accepted serial was accepted again");
        }
    }

    private static void Check(BundleVerdict verdict)
    {
        if (!verdict.IsAccepted && (verdict.Error is null || verdict.Error.Message.Length == 0))
        {
            throw new FuzzInvariantException("a refusal without an error");
        }

        _ = verdict.ToString();
    }
}
