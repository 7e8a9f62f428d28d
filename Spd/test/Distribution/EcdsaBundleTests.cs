using System.Buffers.Binary;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using IpsecFw.Spd.Distribution;

namespace IpsecFw.Spd.Tests.Distribution;

/// <summary>
/// ECDSA P-256 bundles (algorithm 2): signed and verified here, tampered with, refused under a key of the other
/// algorithm, key files round-tripped, and the signature checked against OpenSSL both ways on the exact signed bytes.
/// </summary>
public sealed class EcdsaBundleTests
{
    [Fact]
    public void An_ECDSA_bundle_verifies_under_its_key_and_carries_algorithm_2_and_a_DER_signature()
    {
        using BundlePrivateKey key = BundleSigner.GenerateKeyPair(BundleAlgorithm.EcdsaP256);
        byte[] bundle = BundleKit.Sign(key, 7);
        Assert.Equal(2, BinaryPrimitives.ReadUInt16BigEndian(bundle.AsSpan(6)));
        BundleVerdict verdict = BundleVerifier.Verify(bundle, key.PublicKey, 6, BundleKit.Now);
        Assert.True(verdict.IsAccepted, verdict.ToString());
        Assert.Equal(BundleAlgorithm.EcdsaP256, verdict.Bundle.Algorithm);
        Assert.Equal(0x30, verdict.Bundle.Signature[0]);
        Assert.InRange(verdict.Bundle.Signature.Length, 8, PolicyBundle.MaxEcdsaSignatureLength);
        Assert.Equal(BundlePublicKey.EcdsaLength, key.PublicKey.Bytes.Length);
    }

    [Fact]
    public void Every_flipped_bit_of_an_ECDSA_bundle_is_refused()
    {
        using BundlePrivateKey key = BundleSigner.GenerateKeyPair(BundleAlgorithm.EcdsaP256);
        byte[] bundle = BundleKit.Sign(key, 7, BundleKit.Compile("allow ssh(*, *);"));
        for (int bit = 0; bit < bundle.Length * 8; bit++)
        {
            byte[] copy = [.. bundle];
            copy[bit / 8] ^= (byte)(1 << (bit % 8));
            BundleVerdict verdict = BundleVerifier.Verify(copy, key.PublicKey, 0, BundleKit.Now);
            Assert.False(verdict.IsAccepted, $"bit {bit}");
        }
    }

    [Fact]
    public void A_key_of_the_other_algorithm_refuses_the_bundle_with_WrongAlgorithm_both_ways()
    {
        using BundlePrivateKey ecdsa = BundleSigner.GenerateKeyPair(BundleAlgorithm.EcdsaP256);
        using BundlePrivateKey ed = BundleKit.Signer();
        BundleVerdict a = BundleVerifier.Verify(BundleKit.Sign(ecdsa, 1), ed.PublicKey, 0, BundleKit.Now);
        Assert.Equal(BundleErrorKind.WrongAlgorithm, a.Reason);
        Assert.Equal($"the bundle is signed with ECDSA P-256, but this host's trusted key {ed.PublicKey.KeyIdHex} is an Ed25519 key", a.Error!.Message);
        BundleVerdict b = BundleVerifier.Verify(BundleKit.Sign(ed, 1), ecdsa.PublicKey, 0, BundleKit.Now);
        Assert.Equal(BundleErrorKind.WrongAlgorithm, b.Reason);

        // An Ed25519 bundle relabelled as ECDSA (the algorithm is signed, but the check comes first) is refused too.
        byte[] relabelled = BundleKit.Sign(ed, 1);
        relabelled[7] = 2;
        Assert.Equal(BundleErrorKind.WrongAlgorithm, BundleVerifier.Verify(relabelled, ed.PublicKey, 0, BundleKit.Now).Reason);
        Assert.Equal(BundleErrorKind.BadSignature, BundleVerifier.Verify(RelabelKeyId(relabelled, ecdsa.PublicKey.KeyId), ecdsa.PublicKey, 0, BundleKit.Now).Reason);
    }

    [Fact]
    public void ECDSA_key_files_round_trip_and_name_their_algorithm()
    {
        using BundlePrivateKey key = BundleSigner.GenerateKeyPair(BundleAlgorithm.EcdsaP256);
        string publicText = key.PublicKey.ToKeyFile();
        Assert.StartsWith("-----BEGIN IPSECFW ECDSA-P256 PUBLIC KEY-----\n", publicText, StringComparison.Ordinal);
        Assert.True(BundlePublicKey.TryParseKeyFile(publicText, out BundlePublicKey? parsed, out BundleError? error), error?.Message);
        Assert.Equal((BundleAlgorithm.EcdsaP256, key.PublicKey.KeyId), (parsed.Algorithm, parsed.KeyId));

        byte[] privateText = key.ToKeyFile();
        Assert.StartsWith("-----BEGIN IPSECFW ECDSA-P256 PRIVATE KEY-----\n", Encoding.ASCII.GetString(privateText), StringComparison.Ordinal);
        Assert.True(BundlePrivateKey.TryParseKeyFile(privateText, out BundlePrivateKey? again, out error), error?.Message);
        using (again)
        {
            Assert.Equal(key.PublicKey.KeyId, again.PublicKey.KeyId);
            Assert.True(BundleVerifier.Verify(BundleKit.Sign(again, 3), key.PublicKey, 0, BundleKit.Now).IsAccepted);
        }

        // A point off the curve is refused as a key.
        byte[] bad = [.. key.PublicKey.Bytes];
        bad[64] ^= 1;
        Assert.False(BundlePublicKey.TryCreate(BundleAlgorithm.EcdsaP256, bad, out _, out error));
        Assert.Equal(BundleErrorKind.MalformedKey, error.Kind);
    }

    [Fact]
    public async Task OpenSSL_verifies_our_ECDSA_signature_and_we_verify_OpenSSLs()
    {
        if (Which("openssl") is not { } openssl)
        {
            Assert.Skip("openssl is not installed");
            return;
        }

        string dir = Directory.CreateTempSubdirectory("ipsecfw-ecdsa-").FullName;
        try
        {
            // Ours → OpenSSL: the signed part (bytes 0 to 44+M) and the DER signature, verified by `openssl dgst`.
            using BundlePrivateKey key = BundleSigner.GenerateKeyPair(BundleAlgorithm.EcdsaP256);
            byte[] bundle = BundleKit.Sign(key, 9);
            int signed = 44 + BundleKit.PolicyLength(bundle);
            File.WriteAllBytes(Path.Combine(dir, "signed.bin"), bundle[..signed]);
            File.WriteAllBytes(Path.Combine(dir, "ours.sig"), bundle[(signed + 2)..]);
            using (ECDsa pub = ECDsa.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = key.PublicKey.Bytes[1..33].ToArray(), Y = key.PublicKey.Bytes[33..].ToArray() },
            }))
            {
                File.WriteAllText(Path.Combine(dir, "ours.pub.pem"), pub.ExportSubjectPublicKeyInfoPem());
            }

            (int code, string output) = await Run(openssl, dir, "dgst", "-sha256", "-verify", "ours.pub.pem", "-signature", "ours.sig", "signed.bin");
            Assert.True(code == 0 && output.Contains("Verified OK", StringComparison.Ordinal), output);

            // A tampered signed part is refused by OpenSSL too.
            byte[] tampered = bundle[..signed];
            tampered[50] ^= 1;
            File.WriteAllBytes(Path.Combine(dir, "tampered.bin"), tampered);
            (code, output) = await Run(openssl, dir, "dgst", "-sha256", "-verify", "ours.pub.pem", "-signature", "ours.sig", "tampered.bin");
            Assert.True(code != 0 && output.Contains("Verification failure", StringComparison.Ordinal), output);

            // OpenSSL → ours: a key made by OpenSSL, its scalar read into our key file format; OpenSSL signs our signed part.
            (code, output) = await Run(openssl, dir, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "theirs.pem");
            Assert.True(code == 0, output);
            using ECDsa theirs = ECDsa.Create();
            theirs.ImportFromPem(File.ReadAllText(Path.Combine(dir, "theirs.pem")));
            using BundlePrivateKey imported = BundlePrivateKey.FromEcdsaScalar(theirs.ExportParameters(true).D);
            byte[] unsignedPart = BundleKit.Sign(imported, 10);
            int theirSigned = 44 + BundleKit.PolicyLength(unsignedPart);
            File.WriteAllBytes(Path.Combine(dir, "to-sign.bin"), unsignedPart[..theirSigned]);
            (code, output) = await Run(openssl, dir, "dgst", "-sha256", "-sign", "theirs.pem", "-out", "theirs.sig", "to-sign.bin");
            Assert.True(code == 0, output);
            byte[] signature = File.ReadAllBytes(Path.Combine(dir, "theirs.sig"));
            byte[] spliced = new byte[theirSigned + 2 + signature.Length];
            unsignedPart.AsSpan(0, theirSigned).CopyTo(spliced);
            BinaryPrimitives.WriteUInt16BigEndian(spliced.AsSpan(theirSigned), (ushort)signature.Length);
            signature.CopyTo(spliced, theirSigned + 2);
            BundleVerdict verdict = BundleVerifier.Verify(spliced, imported.PublicKey, 0, BundleKit.Now);
            Assert.True(verdict.IsAccepted, verdict.ToString());

            // And OpenSSL's signature over other bytes is refused.
            spliced[60] ^= 1;
            Assert.Equal(BundleErrorKind.BadSignature, BundleVerifier.Verify(spliced, imported.PublicKey, 0, BundleKit.Now).Reason);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static byte[] RelabelKeyId(byte[] bundle, ulong keyId)
    {
        byte[] copy = [.. bundle];
        BinaryPrimitives.WriteUInt64BigEndian(copy.AsSpan(32), keyId);
        return copy;
    }

    private static string? Which(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    private static async Task<(int Code, string Output)> Run(string file, string dir, params string[] args)
    {
        var info = new ProcessStartInfo(file) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        using Process process = Process.Start(info)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
