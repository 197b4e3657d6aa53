namespace BlockStore.Rbd.Tests;

[Collection(CephCollection.Name)]
public sealed class ClusterTests(CephFixture ceph)
{
    [Fact]
    public void Connecting_with_a_conf_file_reports_the_cluster_fsid_and_client()
    {
        Guid.TryParse(ceph.Cluster.Fsid, out _).ShouldBeTrue(ceph.Cluster.Fsid);
        ceph.Cluster.ClientName.ShouldBe("client." + ceph.User);
    }

    [Fact]
    public async Task Connecting_without_a_conf_file_uses_mon_host_and_key()
    {
        using RadosCluster cluster = await RadosCluster.ConnectAsync(new RadosConnectOptions
        {
            User = ceph.User,
            MonHost = ceph.MonHost,
            Key = ceph.Key,
            ConnectTimeout = TimeSpan.FromSeconds(30),
        });

        cluster.Fsid.ShouldBe(ceph.Cluster.Fsid);
        using IoContext io = cluster.OpenIoContext(CephFixture.VolumesPool);
        Rbd.List(io).ShouldNotBeNull();
    }

    [Fact]
    public async Task Connecting_with_a_wrong_key_is_permission_denied()
    {
        var options = new RadosConnectOptions
        {
            User = ceph.User,
            MonHost = ceph.MonHost,
            Key = WrongKey(),
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };

        RbdException ex = await Should.ThrowAsync<RbdException>(() => RadosCluster.ConnectAsync(options));

        ex.ShouldBeAssignableTo<RbdPermissionDeniedException>($"{ex.GetType().Name}: {ex.Message}");
        ex.Operation.ShouldBe("rados_connect");
    }

    // A well-formed cephx secret: type 1 (AES), creation time, length 16, then 16 random bytes.
    private static string WrongKey()
    {
        byte[] key = new byte[28];
        key[0] = 1;
        key[10] = 16;
        Random.Shared.NextBytes(key.AsSpan(12));
        return Convert.ToBase64String(key);
    }

    [Fact]
    public async Task Connecting_to_a_monitor_that_does_not_answer_times_out()
    {
        var options = new RadosConnectOptions
        {
            User = ceph.User,
            MonHost = "v1:127.0.0.1:9",
            Key = ceph.Key,
            ConnectTimeout = TimeSpan.FromSeconds(2),
        };

        RbdTimeoutException ex = await Should.ThrowAsync<RbdTimeoutException>(() => RadosCluster.ConnectAsync(options));

        ex.ErrorCode.ShouldBe(110);
    }

    [Fact]
    public void The_pool_list_contains_the_rbd_pools()
    {
        IReadOnlyList<string> pools = ceph.Cluster.ListPools();
        pools.ShouldContain(CephFixture.ImagesPool);
        pools.ShouldContain(CephFixture.VolumesPool);
        pools.ShouldContain("volumes-fast");
        ceph.Cluster.PoolExists(CephFixture.VolumesPool).ShouldBeTrue();
        ceph.Cluster.PoolExists("no-such-pool-" + Guid.NewGuid().ToString("N")).ShouldBeFalse();
    }

    [Fact]
    public void The_monitors_report_a_pools_usage_to_the_restricted_user()
    {
        PoolUsage usage = ceph.Cluster.GetPoolUsage(CephFixture.VolumesPool);

        usage.Pool.ShouldBe(CephFixture.VolumesPool);
        usage.MaxAvailableBytes.ShouldBeGreaterThan(0);
        usage.StoredBytes.ShouldBeGreaterThanOrEqualTo(0);
        usage.TotalBytes.ShouldBe(usage.StoredBytes + usage.MaxAvailableBytes);
        Should.Throw<RbdNotFoundException>(() => ceph.Cluster.GetPoolUsage("no-such-pool-" + Guid.NewGuid().ToString("N")));
    }

    [Fact]
    public void The_monitor_map_gives_the_restricted_user_each_monitors_v1_address()
    {
        // The stack's mon_host is [v2:ip:port,v1:ip:port]: the map must say the v1 one, which hypervisors connect to.
        string v1 = MonHostPart(ceph.MonHost, "v1:");

        ceph.Cluster.GetMonitorAddresses().ShouldBe([v1]);
    }

    private static string MonHostPart(string monHost, string prefix) =>
        monHost.Trim('[', ']').Split(',').Single(a => a.StartsWith(prefix, StringComparison.Ordinal))[prefix.Length..];

    [Fact]
    public void A_command_the_monitors_refuse_throws_with_their_reason()
    {
        RbdException ex = Should.Throw<RbdException>(() => ceph.Cluster.MonCommand(@"{""prefix"": ""no such command""}"));

        ex.Message.ShouldContain("rados_mon_command failed");
        ex.Message.ShouldContain("no such command");
    }

    [Fact]
    public void Opening_an_io_context_on_a_missing_pool_throws_not_found()
    {
        Should.Throw<RbdNotFoundException>(() => ceph.Cluster.OpenIoContext("no-such-pool-" + Guid.NewGuid().ToString("N")));
    }

    [Fact]
    public void An_io_context_knows_its_pool()
    {
        ceph.Volumes.PoolName.ShouldBe(CephFixture.VolumesPool);
        ceph.Volumes.PoolId.ShouldBeGreaterThan(0);
    }

    [Fact]
    public void Touching_a_pool_outside_the_caps_is_permission_denied()
    {
        ceph.EnsureForbiddenPool();
        using IoContext io = ceph.Cluster.OpenIoContext(CephFixture.ForbiddenPool);

        RbdPermissionDeniedException ex = Should.Throw<RbdPermissionDeniedException>(
            () => Rbd.Create(io, CephFixture.UniqueName(), 1 << 20));

        ex.Operation.ShouldBe("rbd_create4");
        ex.ErrorCode.ShouldBeOneOf(1, 13);
    }

    [Fact]
    public void Stat_answers_null_for_a_missing_object_and_the_size_of_one_that_exists()
    {
        using TestImage image = ceph.CreateImage(ceph.Volumes, 1 << 20);
        ceph.Volumes.Stat("no-such-object-" + Guid.NewGuid().ToString("N")).ShouldBeNull();
        ceph.Volumes.Stat("rbd_directory").ShouldNotBeNull(); // every pool holding a v2 image has its directory object
    }

    [Fact]
    public void Stat_in_a_pool_outside_the_caps_is_permission_denied()
    {
        ceph.EnsureForbiddenPool();
        using IoContext io = ceph.Cluster.OpenIoContext(CephFixture.ForbiddenPool);
        Should.Throw<RbdPermissionDeniedException>(() => io.Stat("anything")).Operation.ShouldBe("rados_stat");
    }
}
