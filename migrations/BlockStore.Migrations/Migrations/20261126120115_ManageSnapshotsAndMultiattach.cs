using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BlockStore.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class ManageSnapshotsAndMultiattach : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "multiattach",
                schema: "blockstore",
                table: "volumes",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "managing_from",
                schema: "blockstore",
                table: "snapshots",
                type: "character varying(255)",
                maxLength: 255,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "foreign_snapshots",
                schema: "blockstore",
                columns: table => new
                {
                    volume_id = table.Column<Guid>(type: "uuid", nullable: false),
                    name = table.Column<string>(type: "text", nullable: false),
                    backend = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    size_bytes = table.Column<long>(type: "bigint", nullable: false),
                    scanned_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_foreign_snapshots", x => new { x.volume_id, x.name });
                });

            migrationBuilder.CreateIndex(
                name: "ix_snapshots_volume_id_managing_from",
                schema: "blockstore",
                table: "snapshots",
                columns: new[] { "volume_id", "managing_from" },
                unique: true,
                filter: "managing_from IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_foreign_snapshots_backend",
                schema: "blockstore",
                table: "foreign_snapshots",
                column: "backend");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "foreign_snapshots",
                schema: "blockstore");

            migrationBuilder.DropIndex(
                name: "ix_snapshots_volume_id_managing_from",
                schema: "blockstore",
                table: "snapshots");

            migrationBuilder.DropColumn(
                name: "multiattach",
                schema: "blockstore",
                table: "volumes");

            migrationBuilder.DropColumn(
                name: "managing_from",
                schema: "blockstore",
                table: "snapshots");
        }
    }
}
