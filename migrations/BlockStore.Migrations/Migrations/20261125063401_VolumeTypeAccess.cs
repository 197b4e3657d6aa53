using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BlockStore.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class VolumeTypeAccess : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "volume_type_access",
                schema: "blockstore",
                columns: table => new
                {
                    volume_type_id = table.Column<Guid>(type: "uuid", nullable: false),
                    project_id = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_volume_type_access", x => new { x.volume_type_id, x.project_id });
                    table.ForeignKey(
                        name: "fk_volume_type_access_volume_types_volume_type_id",
                        column: x => x.volume_type_id,
                        principalSchema: "blockstore",
                        principalTable: "volume_types",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "volume_type_access",
                schema: "blockstore");
        }
    }
}
