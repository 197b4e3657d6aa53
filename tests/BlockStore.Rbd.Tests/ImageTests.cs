namespace BlockStore.Rbd.Tests;

[Collection(CephCollection.Name)]
public sealed class ImageTests(CephFixture ceph)
{
    private const ulong MiB = 1 << 20;

    [Fact]
    public void Creating_with_options_sets_features_and_order()
    {
        var options = new RbdImageOptions
        {
            Features = RbdFeatures.Layering | RbdFeatures.ExclusiveLock | RbdFeatures.ObjectMap | RbdFeatures.FastDiff | RbdFeatures.DeepFlatten,
            Order = 20,
        };
        using TestImage test = ceph.CreateImage(ceph.Volumes, 64 * MiB, options);
        using RbdImage image = test.Open();

        RbdImageInfo info = image.Stat();

        info.Size.ShouldBe(64 * MiB);
        info.Order.ShouldBe(20);
        info.ObjectSize.ShouldBe(1 * MiB);
        info.ObjectCount.ShouldBe(64UL);
        image.GetSize().ShouldBe(64 * MiB);
        image.GetFeatures().ShouldBe(RbdFeatures.Default);
        image.GetId().ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public void Creating_with_layering_only_has_no_other_features()
    {
        using TestImage test = ceph.CreateImage(ceph.Volumes, 4 * MiB, new RbdImageOptions { Features = RbdFeatures.Layering });
        using RbdImage image = test.Open();

        image.GetFeatures().ShouldBe(RbdFeatures.Layering);
    }

    [Fact]
    public void Features_are_disabled_and_enabled_again_and_layering_cannot_be()
    {
        const RbdFeatures locking = RbdFeatures.ExclusiveLock | RbdFeatures.ObjectMap | RbdFeatures.FastDiff;
        using TestImage test = ceph.CreateImage(ceph.Volumes, 4 * MiB,
            new RbdImageOptions { Features = RbdFeatures.Layering | RbdFeatures.DeepFlatten | locking });
        using RbdImage image = test.Open();

        image.UpdateFeatures(locking, enabled: false);
        image.GetFeatures().ShouldBe(RbdFeatures.Layering | RbdFeatures.DeepFlatten);
        image.UpdateFeatures(locking, enabled: true);
        image.GetFeatures().ShouldBe(RbdFeatures.Layering | RbdFeatures.DeepFlatten | locking);
        Should.Throw<RbdException>(() => image.UpdateFeatures(RbdFeatures.Layering, enabled: false)).Operation.ShouldBe("rbd_update_features");
    }

    [Fact]
    public async Task An_object_map_enabled_again_is_invalid_until_rebuilt_at_the_head_and_at_each_snapshot()
    {
        const RbdFeatures locking = RbdFeatures.ExclusiveLock | RbdFeatures.ObjectMap | RbdFeatures.FastDiff;
        using TestImage test = ceph.CreateImage(ceph.Volumes, 16 * MiB,
            new RbdImageOptions { Features = RbdFeatures.Layering | RbdFeatures.DeepFlatten | locking });
        byte[] data = Enumerable.Range(0, (int)MiB).Select(i => (byte)(i * 7)).ToArray();
        using (RbdImage image = test.Open())
        {
            image.Write(4 * MiB, data);
            image.CreateSnapshot("s1");
            image.GetFlags().ShouldBe(RbdImageFlags.None);
            image.UpdateFeatures(locking, enabled: false);
            image.UpdateFeatures(locking, enabled: true);

            image.GetFlags().ShouldBe(RbdImageFlags.ObjectMapInvalid | RbdImageFlags.FastDiffInvalid);
            var percents = new List<double>();
            await image.RebuildObjectMapAsync(progress: new SyncProgress<RbdProgress>(p => percents.Add(p.Percent)));
            image.GetFlags().ShouldBe(RbdImageFlags.None);
            percents.ShouldNotBeEmpty();
            using (RbdImage atSnapshot = test.Open(snapshot: "s1"))
                atSnapshot.GetFlags().ShouldBe(RbdImageFlags.ObjectMapInvalid | RbdImageFlags.FastDiffInvalid);
            image.GetFlags("s1").ShouldBe(RbdImageFlags.ObjectMapInvalid | RbdImageFlags.FastDiffInvalid);
            image.GetFlags().ShouldBe(RbdImageFlags.None, "the handle looks at the head again");
            await image.RebuildObjectMapAsync("s1");
            image.GetFlags("s1").ShouldBe(RbdImageFlags.None);
            image.GetFlags().ShouldBe(RbdImageFlags.None);
            image.Write(0, data); // at the head again
        }
        using (RbdImage atSnapshot = test.Open(snapshot: "s1"))
        {
            atSnapshot.GetFlags().ShouldBe(RbdImageFlags.None);
            var first = new byte[MiB];
            atSnapshot.Read(0, first);
            first.ShouldAllBe(b => b == 0);
        }
        using RbdImage reopened = test.Open();
        var read = new byte[MiB];
        reopened.Read(4 * MiB, read);
        read.ShouldBe(data);
        // The rebuilt map knows where the data is: a whole-object diff names only the two objects written.
        var extents = new List<RbdExtent>();
        await foreach (RbdExtent e in reopened.DiffIterateAsync(new RbdDiffOptions { WholeObject = true })) extents.Add(e);
        extents.Where(e => e.Exists).Select(e => (e.Offset, e.Length)).ShouldBe([(0UL, 4 * MiB), (4 * MiB, 4 * MiB)]);
    }

    [Fact]
    public void Metadata_is_set_listed_and_removed_and_a_clone_starts_with_its_parents()
    {
        using TestImage test = ceph.CreateImage(ceph.Volumes, 4 * MiB);
        using (RbdImage image = test.Open())
        {
            image.ListMetadata().ShouldBeEmpty();
            image.SetMetadata("conf_rbd_qos_iops_limit", "500");
            image.SetMetadata("note", new string('x', 3000)); // past the first buffer
            image.ListMetadata().ShouldBe(new Dictionary<string, string> { ["conf_rbd_qos_iops_limit"] = "500", ["note"] = new string('x', 3000) },
                ignoreOrder: true);
            image.RemoveMetadata("note").ShouldBeTrue();
            image.RemoveMetadata("note").ShouldBeFalse();
            image.CreateSnapshot("base");
            image.ProtectSnapshot("base");
        }
        string clone = CephFixture.UniqueName("meta-clone");
        Rbd.Clone(ceph.Volumes, test.Name, "base", ceph.Volumes, clone);
        try
        {
            using RbdImage child = RbdImage.Open(ceph.Volumes, clone);
            child.ListMetadata().ShouldBe(new Dictionary<string, string> { ["conf_rbd_qos_iops_limit"] = "500" });
        }
        finally
        {
            Rbd.Remove(ceph.Volumes, clone);
            using RbdImage image = test.Open();
            image.UnprotectSnapshot("base");
        }
    }

    [Fact]
    public void Opening_a_missing_image_throws_not_found()
    {
        RbdNotFoundException ex = Should.Throw<RbdNotFoundException>(() => RbdImage.Open(ceph.Volumes, CephFixture.UniqueName("missing")));

        ex.ErrorCode.ShouldBe(2);
        ex.Operation.ShouldBe("rbd_open");
        ex.Message.ShouldContain("volumes/rbdtest-missing-");
    }

    [Fact]
    public void Opening_a_missing_snapshot_throws_not_found()
    {
        using TestImage test = ceph.CreateImage(ceph.Volumes, 4 * MiB);

        Should.Throw<RbdNotFoundException>(() => test.Open(snapshot: "nope"));
    }

    [Fact]
    public void Creating_an_existing_image_throws_exists()
    {
        using TestImage test = ceph.CreateImage(ceph.Volumes, 4 * MiB);

        RbdExistsException ex = Should.Throw<RbdExistsException>(() => Rbd.Create(ceph.Volumes, test.Name, 4 * MiB));

        ex.ErrorCode.ShouldBe(17);
        ex.Operation.ShouldBe("rbd_create4");
    }

    [Fact]
    public void Resizing_grows_and_shrinks_the_image()
    {
        using TestImage test = ceph.CreateImage(ceph.Volumes, 8 * MiB);
        using RbdImage image = test.Open();

        image.Resize(32 * MiB);
        image.GetSize().ShouldBe(32 * MiB);

        Should.Throw<RbdException>(() => image.Resize(16 * MiB, allowShrink: false)).ErrorCode.ShouldBe(22);

        image.Resize(16 * MiB);
        image.GetSize().ShouldBe(16 * MiB);
    }

    [Fact]
    public void Renaming_keeps_the_id_and_frees_the_old_name()
    {
        using TestImage test = ceph.CreateImage(ceph.Volumes, 4 * MiB);
        string id;
        using (RbdImage image = test.Open())
        {
            id = image.GetId();
        }

        string newName = CephFixture.UniqueName("renamed");
        Rbd.Rename(ceph.Volumes, test.Name, newName);
        try
        {
            using RbdImage renamed = RbdImage.Open(ceph.Volumes, newName);
            renamed.GetId().ShouldBe(id);
            Should.Throw<RbdNotFoundException>(() => RbdImage.Open(ceph.Volumes, test.Name));
        }
        finally
        {
            TestImage.Remove(ceph.Volumes, newName);
        }
    }

    [Fact]
    public void Listing_shows_created_images_and_not_removed_ones()
    {
        string name = CephFixture.UniqueName();
        Rbd.Create(ceph.Volumes, name, 4 * MiB);
        string id;
        using (RbdImage image = RbdImage.Open(ceph.Volumes, name))
        {
            id = image.GetId();
        }

        Rbd.List(ceph.Volumes).ShouldContain(new RbdImageSpec(id, name));

        Rbd.Remove(ceph.Volumes, name);

        Rbd.List(ceph.Volumes).ShouldNotContain(spec => spec.Name == name);
        Should.Throw<RbdNotFoundException>(() => Rbd.Remove(ceph.Volumes, name));
    }

    [Fact]
    public async Task Removing_with_progress_reports_and_removes()
    {
        using TestImage test = ceph.CreateImage(ceph.Volumes, 16 * MiB, new RbdImageOptions { Features = RbdFeatures.Layering });
        var reports = new List<RbdProgress>();

        await Rbd.RemoveAsync(ceph.Volumes, test.Name, new SyncProgress<RbdProgress>(reports.Add));

        reports.ShouldNotBeEmpty();
        reports[^1].Percent.ShouldBe(100);
        Should.Throw<RbdNotFoundException>(() => test.Open());
    }

    [Fact]
    public void Removing_an_open_image_is_busy()
    {
        using TestImage test = ceph.CreateImage(ceph.Volumes, 4 * MiB);
        using RbdImage image = test.Open();

        RbdBusyException ex = Should.Throw<RbdBusyException>(() => Rbd.Remove(ceph.Volumes, test.Name));

        ex.ErrorCode.ShouldBe(16);
    }

    [Fact]
    public void An_exclusive_lock_taken_explicitly_is_refused_to_other_clients_until_closed()
    {
        using TestImage test = ceph.CreateImage(ceph.Volumes, 8 * MiB);
        using RbdImage other = test.Open();
        using (RbdImage holder = test.Open())
        {
            holder.AcquireExclusiveLock();
            holder.AcquireExclusiveLock(); // again: already ours

            Should.Throw<RbdException>(() => other.AcquireExclusiveLock()).ErrorCode.ShouldBe(30); // EROFS
            Should.Throw<RbdException>(() => other.Write(0, new byte[4096])).ErrorCode.ShouldBe(30);
            other.Resize(4 * MiB); // maintenance is not refused: the holder carries it out for the asking client
            holder.GetSize().ShouldBe(4 * MiB);
        }

        other.AcquireExclusiveLock();
        other.Resize(2 * MiB);
        other.GetSize().ShouldBe(2 * MiB);
    }

    [Fact]
    public void An_image_opened_read_only_refuses_writes()
    {
        using TestImage test = ceph.CreateImage(ceph.Volumes, 4 * MiB);
        using RbdImage image = test.Open(readOnly: true);

        image.IsReadOnly.ShouldBeTrue();
        Should.Throw<RbdException>(() => image.Write(0, new byte[512])).ErrorCode.ShouldBe(30); // EROFS
    }

    [Fact]
    public void Open_read_write_images_are_listed_as_watchers()
    {
        using TestImage test = ceph.CreateImage(ceph.Volumes, 4 * MiB);
        using (RbdImage readOnly = test.Open(readOnly: true))
        {
            readOnly.ListWatchers().ShouldBeEmpty();
        }

        using RbdImage image = test.Open();

        RbdWatcher watcher = image.ListWatchers().ShouldHaveSingleItem();
        watcher.Address.ShouldContain("127.0.0.1");
        watcher.Id.ShouldBeGreaterThan(0);
    }
}

/// <summary>An IProgress that reports on the calling thread, so tests see every value in order.</summary>
public sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
