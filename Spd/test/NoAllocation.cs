namespace IpsecFw.Spd.Tests;

/// <summary>
/// Asserts that a loop allocates nothing on the current thread. The loop runs once to warm up, then is measured with
/// <see cref="GC.GetAllocatedBytesForCurrentThread"/> up to three times and must measure 0 bytes once: under a loaded
/// parallel test run the runtime has been seen charging a few kilobytes to the thread once (tier-up of the loop's
/// methods), never per iteration; an allocation per packet would show in every attempt.
/// </summary>
internal static class NoAllocation
{
    public static void Assert(Func<int, int> loop, int iterations = 10_000)
    {
        int result = loop(200);
        long[] attempts = new long[3];
        for (int attempt = 0; attempt < attempts.Length; attempt++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            result += loop(iterations);
            attempts[attempt] = GC.GetAllocatedBytesForCurrentThread() - before;
            if (attempts[attempt] == 0)
            {
                Xunit.Assert.True(result >= 0);
                return;
            }
        }

        Xunit.Assert.Fail($"allocated {string.Join(", ", attempts)} bytes over {iterations} iterations in each of three attempts");
    }
}
