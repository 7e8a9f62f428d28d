using System.Text.Json;
using IpsecFw.Ike.Keys.KeyExchange;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;
using IpsecFw.Ike.Tests.Harness;

namespace IpsecFw.Ike.Tests.Keys;

public sealed class KeyExchangeTests
{
    private static byte[] Agree(IkeKeyExchange self, byte[] peer)
    {
        Assert.True(self.TryComputeSharedSecret(peer, out byte[]? shared, out KeyExchangeError error), error.ToString());
        return shared;
    }

    [Fact]
    public void Rfc5903_section8_vectors_including_the_ke_payloads()
    {
        int count = 0;
        foreach (JsonElement v in JsonVectors.Vectors("rfc/rfc5903_section8_ecdh.json"))
        {
            var group = (KeyExchangeMethod)v.GetProperty("ike_group").GetInt32();
            using EcpKeyExchange initiator = EcpKeyExchange.FromPrivateKey(group, v.Bytes("i"))!;
            using EcpKeyExchange responder = EcpKeyExchange.FromPrivateKey(group, v.Bytes("r"))!;
            byte[] gi = [.. v.Bytes("gix"), .. v.Bytes("giy")];
            byte[] gr = [.. v.Bytes("grx"), .. v.Bytes("gry")];
            Assert.Equal(gi, initiator.PublicValue);
            Assert.Equal(gr, responder.PublicValue);
            Assert.Equal(v.Bytes("kei"), EncodeKePayload(group, initiator.PublicValue));
            Assert.Equal(v.Bytes("ker"), EncodeKePayload(group, responder.PublicValue));
            Assert.Equal(v.Bytes("girx"), Agree(initiator, gr));
            Assert.Equal(v.Bytes("girx"), Agree(responder, gi));
            count++;
        }

        Assert.Equal(3, count);
    }

    [Fact]
    public void Strongswan_modp_ecp_and_curve25519_vectors()
    {
        int count = 0;
        foreach (string file in new[] { "strongswan/test_vectors_modp.json", "strongswan/test_vectors_ecp.json", "strongswan/test_vectors_curve25519.json" })
        {
            foreach (JsonElement v in JsonVectors.Vectors(file))
            {
                byte[] seed = v.Bytes("seed");
                byte[] privateI = seed[..(seed.Length / 2)], privateR = seed[(seed.Length / 2)..];
                using IkeKeyExchange? initiator = Create(v.Text("method"), privateI);
                using IkeKeyExchange? responder = Create(v.Text("method"), privateR);
                if (initiator is null || responder is null)
                {
                    continue; // a group we do not implement (MODP 768..8192 but 2048, ECP 192/224)
                }

                Assert.Equal(v.Bytes("pub_i"), initiator.PublicValue);
                Assert.Equal(v.Bytes("pub_r"), responder.PublicValue);
                Assert.Equal(v.Bytes("shared"), Agree(initiator, v.Bytes("pub_r")));
                Assert.Equal(v.Bytes("shared"), Agree(responder, v.Bytes("pub_i")));
                count++;
            }
        }

        Assert.Equal(1 + 3 + 2, count);
    }

    [Theory]
    [InlineData("ecdh_secp256r1_ecpoint_test.json", KeyExchangeMethod.Ecp256)]
    [InlineData("ecdh_secp384r1_ecpoint_test.json", KeyExchangeMethod.Ecp384)]
    [InlineData("ecdh_secp521r1_ecpoint_test.json", KeyExchangeMethod.Ecp521)]
    public void Wycheproof_ecdh_ecpoint(string file, KeyExchangeMethod group)
    {
        int valid = 0, rejected = 0;
        JsonElement root = JsonVectors.Load(Path.Combine("wycheproof", "testvectors_v1", file));
        foreach (JsonElement test in root.GetProperty("testGroups").EnumerateArray().SelectMany(g => g.GetProperty("tests").EnumerateArray()))
        {
            string result = test.Text("result");
            using EcpKeyExchange self = EcpKeyExchange.FromPrivateKey(group, test.Bytes("private"))!;
            Assert.NotNull(self);

            // IKE carries x || y (RFC 5903 7): strip the uncompressed-point prefix; any other encoding goes in as it is
            // and has the wrong length, which IKE cannot express either.
            byte[] point = test.Bytes("public");
            byte[] ike = point.Length == 1 + self.PublicValueLength && point[0] == 0x04 ? point[1..] : point;
            bool ok = self.TryComputeSharedSecret(ike, out byte[]? shared, out KeyExchangeError error);
            string what = $"{file} tcId {test.GetProperty("tcId").GetInt32()} ({result}, {error})";
            if (result == "valid")
            {
                Assert.True(ok, what);
                Assert.Equal(test.Bytes("shared"), shared);
                valid++;
            }
            else if (result == "invalid")
            {
                Assert.False(ok, what);
                rejected++;
            }
            else if (ok)
            {
                Assert.Equal(test.Bytes("shared"), shared);
            }
        }

        Assert.True(valid > 300 && rejected > 15, $"valid {valid}, rejected {rejected}");
    }

    [Fact]
    public void Wycheproof_x25519_zero_shared_secrets_are_refused_and_the_rest_match()
    {
        int matched = 0, refused = 0;
        JsonElement root = JsonVectors.Load("wycheproof/testvectors_v1/x25519_test.json");
        foreach (JsonElement test in root.GetProperty("testGroups").EnumerateArray().SelectMany(g => g.GetProperty("tests").EnumerateArray()))
        {
            using Curve25519KeyExchange self = Curve25519KeyExchange.FromPrivateKey(test.Bytes("private"))!;
            bool zero = test.GetProperty("flags").EnumerateArray().Any(f => f.GetString() == "ZeroSharedSecret");
            bool ok = self.TryComputeSharedSecret(test.Bytes("public"), out byte[]? shared, out KeyExchangeError error);
            string what = $"tcId {test.GetProperty("tcId").GetInt32()} ({test.Text("result")})";
            if (zero || test.Text("result") == "invalid")
            {
                Assert.False(ok, what);
                Assert.Equal(KeyExchangeError.AllZeroSharedSecret, error);
                refused++;
            }
            else
            {
                Assert.True(ok, what);
                Assert.Equal(test.Bytes("shared"), shared);
                matched++;
            }
        }

        Assert.Equal(518, matched + refused);
        Assert.True(refused > 20, $"refused {refused}");
    }

    [Fact]
    public void Modp_peer_values_outside_2_to_p_minus_2_are_refused()
    {
        using IkeKeyExchange self = ModpKeyExchange.Create();
        byte[] p = TestData.Hex(
            "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437" +
            "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05" +
            "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B" +
            "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AACAA68FFFFFFFFFFFFFFFF");
        byte[] pMinusOne = (byte[])p.Clone();
        pMinusOne[^1] = 0xfe;
        byte[] pMinusTwo = (byte[])p.Clone();
        pMinusTwo[^1] = 0xfd;
        byte[] one = new byte[256];
        one[^1] = 1;
        byte[] two = new byte[256];
        two[^1] = 2;

        foreach (byte[] bad in new[] { new byte[256], one, pMinusOne, p, Enumerable.Repeat((byte)0xff, 256).ToArray() })
        {
            Assert.False(self.TryComputeSharedSecret(bad, out _, out KeyExchangeError error));
            Assert.Equal(KeyExchangeError.PublicValueOutOfRange, error);
        }

        Assert.True(self.TryComputeSharedSecret(two, out _, out _));
        Assert.True(self.TryComputeSharedSecret(pMinusTwo, out _, out _));
        Assert.False(self.TryComputeSharedSecret(new byte[255], out _, out KeyExchangeError length));
        Assert.Equal(KeyExchangeError.InvalidPublicValueLength, length);
    }

    [Fact]
    public void Ecp_points_off_the_curve_or_out_of_the_field_are_refused()
    {
        using IkeKeyExchange self = EcpKeyExchange.Create(KeyExchangeMethod.Ecp256)!;
        using IkeKeyExchange other = EcpKeyExchange.Create(KeyExchangeMethod.Ecp256)!;
        byte[] offCurve = other.PublicValue;
        offCurve[^1] ^= 1;
        Assert.False(self.TryComputeSharedSecret(offCurve, out _, out KeyExchangeError error));
        Assert.Equal(KeyExchangeError.PointNotOnCurve, error);

        Assert.False(self.TryComputeSharedSecret(Enumerable.Repeat((byte)0xff, 64).ToArray(), out _, out error));
        Assert.Equal(KeyExchangeError.PublicValueOutOfRange, error);

        Assert.False(self.TryComputeSharedSecret(new byte[64], out _, out error));
        Assert.Equal(KeyExchangeError.PointNotOnCurve, error);

        Assert.False(self.TryComputeSharedSecret(new byte[65], out _, out error));
        Assert.Equal(KeyExchangeError.InvalidPublicValueLength, error);
    }

    [Theory]
    [InlineData(KeyExchangeMethod.Modp2048, 256, 256)]
    [InlineData(KeyExchangeMethod.Ecp256, 64, 32)]
    [InlineData(KeyExchangeMethod.Ecp384, 96, 48)]
    [InlineData(KeyExchangeMethod.Ecp521, 132, 66)]
    [InlineData(KeyExchangeMethod.Curve25519, 32, 32)]
    public void Two_fresh_parties_agree(KeyExchangeMethod method, int publicLength, int secretLength)
    {
        Assert.True(IkeKeyExchange.TryCreate(method, out IkeKeyExchange? a));
        Assert.True(IkeKeyExchange.TryCreate(method, out IkeKeyExchange? b));
        using (a)
        using (b)
        {
            Assert.Equal(publicLength, a.PublicValue.Length);
            byte[] ab = Agree(a, b.PublicValue);
            Assert.Equal(secretLength, ab.Length);
            Assert.Equal(ab, Agree(b, a.PublicValue));
            Assert.NotEqual(a.PublicValue, b.PublicValue);
        }
    }

    [Fact]
    public void Unsupported_groups_are_refused()
    {
        Assert.False(IkeKeyExchange.TryCreate(KeyExchangeMethod.Modp1024, out _));
        Assert.False(IkeKeyExchange.TryCreate(KeyExchangeMethod.Curve448, out _));
        Assert.Equal(5, IkeKeyExchange.Supported.Count);
    }

    private static IkeKeyExchange? Create(string strongSwanMethod, byte[] privateKey) => strongSwanMethod switch
    {
        "MODP_2048_BIT" => ModpKeyExchange.FromPrivateKey(privateKey),
        "ECP_256_BIT" => EcpKeyExchange.FromPrivateKey(KeyExchangeMethod.Ecp256, privateKey),
        "ECP_384_BIT" => EcpKeyExchange.FromPrivateKey(KeyExchangeMethod.Ecp384, privateKey),
        "ECP_521_BIT" => EcpKeyExchange.FromPrivateKey(KeyExchangeMethod.Ecp521, privateKey),
        "CURVE_25519" => Curve25519KeyExchange.FromPrivateKey(privateKey),
        _ => null,
    };

    private static byte[] EncodeKePayload(KeyExchangeMethod group, byte[] publicValue)
    {
        byte[] buffer = new byte[512];
        var writer = new MessageWriter(buffer);
        Assert.True(writer.TryAdd(new KePayload(group, publicValue)));
        Assert.True(writer.TryFinish(out int length));
        return buffer[..length];
    }
}
