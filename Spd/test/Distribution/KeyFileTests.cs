using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using IpsecFw.Spd.Distribution;

namespace IpsecFw.Spd.Tests.Distribution;

public sealed class KeyFileTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("ipsecfw-keys-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void A_public_key_file_has_the_documented_form_and_round_trips()
    {
        using BundlePrivateKey key = BundleKit.Signer();
        string file = key.PublicKey.ToKeyFile();

        string[] lines = file.Split('\n');
        Assert.Equal(4, lines.Length);
        Assert.Equal("-----BEGIN IPSECFW ED25519 PUBLIC KEY-----", lines[0]);
        Assert.Equal(key.PublicKey.Bytes.ToArray(), Convert.FromBase64String(lines[1]));
        Assert.Equal("-----END IPSECFW ED25519 PUBLIC KEY-----", lines[2]);
        Assert.Equal("", lines[3]);

        Assert.True(BundlePublicKey.TryParseKeyFile(file, out BundlePublicKey? parsed, out BundleError? error), error?.ToString());
        Assert.Equal(key.PublicKey.Bytes.ToArray(), parsed.Bytes.ToArray());
        Assert.Equal(key.PublicKey.KeyId, parsed.KeyId);
        Assert.Equal(16, parsed.KeyIdHex.Length);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(parsed.Bytes)[..8]), parsed.KeyIdHex);
    }

    [Fact]
    public void Crlf_and_blank_lines_are_tolerated()
    {
        using BundlePrivateKey key = BundleKit.Signer();
        string file = "\r\n" + key.PublicKey.ToKeyFile().Replace("\n", "\r\n\r\n", StringComparison.Ordinal);
        Assert.True(BundlePublicKey.TryParseKeyFile(file, out BundlePublicKey? parsed, out _));
        Assert.Equal(key.PublicKey.KeyId, parsed.KeyId);
    }

    [Fact]
    public void A_private_key_file_round_trips_and_signs_what_the_public_key_verifies()
    {
        using BundlePrivateKey key = BundleSigner.GenerateKeyPair();
        byte[] file = key.ToKeyFile();
        string text = Encoding.ASCII.GetString(file);
        Assert.StartsWith("-----BEGIN IPSECFW ED25519 PRIVATE KEY-----\n", text, StringComparison.Ordinal);
        Assert.EndsWith("\n-----END IPSECFW ED25519 PRIVATE KEY-----\n", text, StringComparison.Ordinal);

        Assert.True(BundlePrivateKey.TryParseKeyFile(file, out BundlePrivateKey? parsed, out BundleError? error), error?.ToString());
        using (parsed)
        {
            Assert.Equal(key.PublicKey.KeyId, parsed.PublicKey.KeyId);
            byte[] bundle = BundleKit.Sign(parsed, 1);
            Assert.True(BundleVerifier.Verify(bundle, key.PublicKey, 0, BundleKit.Now).IsAccepted);
        }
    }

    [Fact]
    public void Generated_keys_differ()
    {
        using BundlePrivateKey a = BundleSigner.GenerateKeyPair();
        using BundlePrivateKey b = BundleSigner.GenerateKeyPair();
        Assert.NotEqual(a.PublicKey.KeyId, b.PublicKey.KeyId);
    }

    public static TheoryData<string, string> BadFiles() => new()
    {
        { "empty", "" },
        { "no footer", "-----BEGIN IPSECFW ED25519 PUBLIC KEY-----\n" + Convert.ToBase64String(new byte[32]) + "\n" },
        { "PEM of another kind", "-----BEGIN PUBLIC KEY-----\n" + Convert.ToBase64String(new byte[32]) + "\n-----END PUBLIC KEY-----\n" },
        { "private key file", "-----BEGIN IPSECFW ED25519 PRIVATE KEY-----\n" + Convert.ToBase64String(new byte[32]) + "\n-----END IPSECFW ED25519 PRIVATE KEY-----\n" },
        { "31 bytes", "-----BEGIN IPSECFW ED25519 PUBLIC KEY-----\n" + Convert.ToBase64String(new byte[31]) + "\n-----END IPSECFW ED25519 PUBLIC KEY-----\n" },
        { "33 bytes", "-----BEGIN IPSECFW ED25519 PUBLIC KEY-----\n" + Convert.ToBase64String(new byte[33]) + "\n-----END IPSECFW ED25519 PUBLIC KEY-----\n" },
        { "not base64", "-----BEGIN IPSECFW ED25519 PUBLIC KEY-----\n" + new string('!', 44) + "\n-----END IPSECFW ED25519 PUBLIC KEY-----\n" },
        { "two keys", "-----BEGIN IPSECFW ED25519 PUBLIC KEY-----\n" + Convert.ToBase64String(new byte[32]) + Convert.ToBase64String(new byte[32]) + "\n-----END IPSECFW ED25519 PUBLIC KEY-----\n" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void A_malformed_public_key_file_is_refused(string what, string text)
    {
        Assert.False(BundlePublicKey.TryParseKeyFile(text, out BundlePublicKey? key, out BundleError? error), what);
        Assert.Null(key);
        Assert.Equal(BundleErrorKind.MalformedKey, error.Kind);
        Assert.Contains("public key file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_private_key_file_is_refused_without_quoting_it()
    {
        string secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(31));
        byte[] text = Encoding.ASCII.GetBytes(
            "-----BEGIN IPSECFW ED25519 PRIVATE KEY-----\n" + secret + "\n-----END IPSECFW ED25519 PRIVATE KEY-----\n");

        Assert.False(BundlePrivateKey.TryParseKeyFile(text, out _, out BundleError? error));
        Assert.Equal(BundleErrorKind.MalformedKey, error.Kind);
        Assert.Equal("the private key file does not hold a 32-byte Ed25519 key in base64 between its header and footer lines", error.Message);
        Assert.DoesNotContain(secret, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_private_key_never_shows_itself_and_is_zeroed_on_dispose()
    {
        BundlePrivateKey key = BundleKit.Signer();
        byte[] file = key.ToKeyFile();
        string base64 = Encoding.ASCII.GetString(file).Split('\n')[1];
        Assert.DoesNotContain(base64, key.ToString(), StringComparison.Ordinal);
        Assert.Contains(key.PublicKey.KeyIdHex, key.ToString(), StringComparison.Ordinal);

        byte[] seed = (byte[])typeof(BundlePrivateKey).GetField("_seed", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(key)!;
        Assert.Contains(seed, b => b != 0);
        key.Dispose();
        Assert.All(seed, b => Assert.Equal(0, b));
        Assert.Throws<ObjectDisposedException>(() => key.ToKeyFile());
    }

    [Fact]
    public void Key_files_on_disk()
    {
        using BundlePrivateKey key = BundleKit.Signer();
        string privatePath = Path.Combine(_directory.FullName, "signer.key");
        string publicPath = Path.Combine(_directory.FullName, "signer.pub");
        key.WriteKeyFile(privatePath);
        File.WriteAllText(publicPath, key.PublicKey.ToKeyFile());

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(privatePath));
            File.SetUnixFileMode(publicPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        Assert.Throws<IOException>(() => key.WriteKeyFile(privatePath));
        Assert.True(BundlePrivateKey.TryReadFile(privatePath, out BundlePrivateKey? reread, out _));
        using (reread)
        {
            Assert.Equal(key.PublicKey.KeyId, reread.PublicKey.KeyId);
        }

        Assert.True(BundlePublicKey.TryReadFile(publicPath, out BundlePublicKey? trusted, out _));
        Assert.Equal(key.PublicKey.KeyId, trusted.KeyId);

        Assert.False(BundlePublicKey.TryReadFile(Path.Combine(_directory.FullName, "missing.pub"), out _, out BundleError? error));
        Assert.Equal(BundleErrorKind.StorageFailed, error.Kind);
        Assert.False(BundlePrivateKey.TryReadFile(Path.Combine(_directory.FullName, "missing.key"), out _, out error));
        Assert.Equal(BundleErrorKind.StorageFailed, error.Kind);
    }

    [Fact]
    public void A_public_key_file_that_others_may_write_is_refused()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("Unix file modes only");
        }
        else
        {
            using BundlePrivateKey key = BundleKit.Signer();
            string path = Path.Combine(_directory.FullName, "trusted.pub");
            File.WriteAllText(path, key.PublicKey.ToKeyFile());
            foreach (UnixFileMode loose in new[] { UnixFileMode.GroupWrite, UnixFileMode.OtherWrite })
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | loose);
                Assert.False(BundlePublicKey.TryReadFile(path, out _, out BundleError? error));
                Assert.Equal(BundleErrorKind.InsecureKeyFile, error.Kind);
                Assert.Contains("is writable by its group or others", error.Message, StringComparison.Ordinal);
            }

            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            Assert.True(BundlePublicKey.TryReadFile(path, out BundlePublicKey? trusted, out _));
            Assert.Equal(key.PublicKey.KeyId, trusted.KeyId);
        }
    }
}
