import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { ApiProblems } from '../../common/openapi/api-problems.decorator';
import { ConsumesQuota } from '../quotas/consumes-quota.decorator';
import { EstimateDto, EstimateRequestDto } from './estimate.dto';

/**
 * The transactional-API example: a call that does no database work of its own, metered by the quota
 * `api_calls` (what a plan sells as "N calls a month"). The benchmark measures the quota's cost on it.
 * A short text can be sized with a GET (`?text=`), a long one is posted; both count alike.
 */
@ApiTags('analyses')
@Controller('v1/estimates')
export class EstimatesController {
  @Post()
  @HttpCode(200)
  @ConsumesQuota('api_calls')
  @ApiOperation({ summary: 'Size a text before analysing it (counted against the quota `api_calls`)' })
  @ApiOkResponse({ type: EstimateDto })
  @ApiProblems('validation_failed')
  estimate(@Body() body: EstimateRequestDto): EstimateDto {
    return sizeOf(body.text);
  }

  @Get()
  @ConsumesQuota('api_calls')
  @ApiOperation({ summary: 'Size a short text given as `?text=` (counted against the quota `api_calls`)' })
  @ApiOkResponse({ type: EstimateDto })
  @ApiProblems('validation_failed')
  estimateQuery(@Query() query: EstimateRequestDto): EstimateDto {
    return sizeOf(query.text);
  }
}

function sizeOf(text: string): EstimateDto {
  const words = text.split(/\s+/).filter((word) => word.length > 0).length;
  return { words, characters: [...text].length };
}
