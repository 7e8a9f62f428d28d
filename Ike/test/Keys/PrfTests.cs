using IpsecFw.Ike.Keys;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Tests.Harness;

namespace IpsecFw.Ike.Tests.Keys;

public sealed class PrfTests
{
    private static Prf PrfFor(string strongSwanName) => strongSwanName switch
    {
        "PRF_HMAC_SHA2_256" => Prf.Get(PrfAlgorithm.HmacSha256),
        "PRF_HMAC_SHA2_384" => Prf.Get(PrfAlgorithm.HmacSha384),
        "PRF_HMAC_SHA2_512" => Prf.Get(PrfAlgorithm.HmacSha512),
        _ => throw new InvalidDataException(strongSwanName),
    };

    [Fact]
    public void Rfc4868_authenticator_vectors()
    {
        int count = 0;
        foreach (var v in JsonVectors.Vectors("rfc/rfc4868_auth_vectors.json"))
        {
            Prf prf = v.Text("alg") switch
            {
                "HMAC-SHA-256-128" => Prf.Get(PrfAlgorithm.HmacSha256),
                "HMAC-SHA-384-192" => Prf.Get(PrfAlgorithm.HmacSha384),
                _ => Prf.Get(PrfAlgorithm.HmacSha512),
            };
            byte[] full = prf.Compute(v.Bytes("key"), v.Bytes("data"));
            if (v.TryGetProperty("prf_hmac_full", out _))
            {
                Assert.Equal(v.Bytes("prf_hmac_full"), full);
            }

            byte[] icv = v.Bytes("icv");
            Assert.Equal(icv, full[..icv.Length]);
            count++;
        }

        Assert.Equal(10, count);
    }

    [Fact]
    public void Skeyseed_matches_strongswan_kdf_prf_vectors()
    {
        int count = 0;
        foreach (var v in JsonVectors.Vectors("strongswan/test_vectors_kdf_prf.json"))
        {
            // kdf_prf: out = prf(salt = Ni | Nr, key = g^ir), i.e. SKEYSEED. Split the salt anywhere: only Ni | Nr matters.
            byte[] salt = v.Bytes("salt");
            byte[] skeyseed = IkeSaKeys.ComputeSkeyseed(PrfFor(v.Text("arg.prf")), salt.AsSpan(0, salt.Length / 2), salt.AsSpan(salt.Length / 2), v.Bytes("key"));
            Assert.Equal(v.Bytes("out"), skeyseed);
            count++;
        }

        Assert.Equal(6, count);
    }

    [Fact]
    public void Prf_plus_matches_strongswan_kdf_prf_plus_vectors()
    {
        int count = 0;
        foreach (var v in JsonVectors.Vectors("strongswan/test_vectors_kdf_prf_plus.json"))
        {
            byte[] expected = v.Bytes("out");
            Assert.Equal(expected, PrfPlus.Derive(PrfFor(v.Text("arg.prf")), v.Bytes("key"), v.Bytes("salt"), expected.Length));
            count++;
        }

        Assert.Equal(7, count);
    }

    [Fact]
    public void Prf_plus_matches_strongswan_chained_cases()
    {
        // A missing key or seed keeps the previous one (test_prf_plus.c runs the cases on one object).
        byte[] key = [], seed = [];
        int count = 0;
        foreach (var v in JsonVectors.Vectors("strongswan/test_prf_plus.json"))
        {
            key = v.TryGetProperty("key", out _) ? v.Bytes("key") : key;
            seed = v.TryGetProperty("seed", out _) ? v.Bytes("seed") : seed;
            byte[] expected = v.Bytes("expected");
            Assert.Equal(expected, PrfPlus.Derive(Prf.Get(PrfAlgorithm.HmacSha256), key, seed, expected.Length));
            count++;
        }

        Assert.Equal(3, count);
    }

    [Fact]
    public void Prf_plus_stops_at_255_blocks()
    {
        Prf prf = Prf.Get(PrfAlgorithm.HmacSha256);
        Assert.True(PrfPlus.TryDerive(prf, [1], [2], new byte[255 * 32]));
        Assert.False(PrfPlus.TryDerive(prf, [1], [2], new byte[(255 * 32) + 1]));
        Assert.False(Prf.TryGet(PrfAlgorithm.HmacMd5, out _));
    }
}
