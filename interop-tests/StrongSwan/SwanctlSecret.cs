namespace IpsecFw.InteropTests.StrongSwan;

/// <summary>A shared secret (<c>secrets.ike-&lt;n&gt;</c> in swanctl.conf) for the identities it is valid between.</summary>
/// <param name="Secret">The pre-shared key (written quoted).</param>
/// <param name="Ids">The identities (<c>id-1</c>, <c>id-2</c>, ...); none means any.</param>
public sealed record SwanctlSecret(string Secret, params string[] Ids)
{
    internal void Render(SwanctlWriter w, string section)
    {
        w.Open(section);
        for (int i = 0; i < Ids.Length; i++)
        {
            w.Quoted($"id-{i + 1}", Ids[i]);
        }

        w.Quoted("secret", Secret);
        w.Close();
    }
}
